// Dates and numbers, everywhere the SPA shows them: one format per kind, in the active language.
import { i18n } from '@lingui/core';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(kind: 'date' | 'dateTime'): Intl.DateTimeFormat {
  const key = `${i18n.locale}:${kind}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) {
    format = new Intl.DateTimeFormat(i18n.locale || 'en', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      ...(kind === 'dateTime' ? { hour: '2-digit', minute: '2-digit' } : {}),
    });
    cache.set(key, format);
  }
  return format;
}

/** `Nov 24, 2026` / `24. Nov. 2026`; an absent date is a dash. */
export function formatDate(iso: string | null | undefined): string {
  return iso ? dateFormat('date').format(new Date(iso)) : '—';
}

/** `Nov 24, 2026, 07:15 AM` / `24. Nov. 2026, 07:15`; an absent date is a dash. */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateFormat('dateTime').format(new Date(iso)) : '—';
}

/** `10,000` / `10.000`. */
export function formatNumber(value: number): string {
  const key = `${i18n.locale}:number`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(i18n.locale || 'en');
    cache.set(key, format);
  }
  return format.format(value);
}
