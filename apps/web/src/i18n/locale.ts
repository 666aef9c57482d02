import { i18n, type Messages } from '@lingui/core';
import { compileMessage } from './compile.ts';
// English is the source language and the default: its messages stay in the code that shows them
// (the macros keep them in the build) and are compiled on first use, so English loads no catalog
// and no request more than before. Every other language's catalog is its own chunk, compiled at
// build time and loaded only when that language is chosen.

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];
/** Each language's name in that language (what the switch in My account shows). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch' };

const loaded = new Set<Locale>(['en']);
const STORAGE_KEY = 'gatehouse.locale';
const loaders: Record<Exclude<Locale, 'en'>, () => Promise<{ messages: Messages }>> = {
  de: () => import('../locales/de.po'),
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The first of the browser's languages we have (`de-AT` → `de`), else English. */
export function browserLocale(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

function storedLocale(): Locale | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLocale(value) ? value : null;
  } catch {
    return null;
  }
}

/** The language to start with: the one chosen in My account, else the browser's. */
export function initialLocale(): Locale {
  return storedLocale() ?? browserLocale();
}

/** Loads the catalog if needed, activates it and sets `<html lang>`. */
export async function activateLocale(locale: Locale): Promise<void> {
  if (!loaded.has(locale) && locale !== 'en') {
    i18n.load(locale, (await loaders[locale]()).messages);
    loaded.add(locale);
  }
  i18n.activate(locale);
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

/** Switches the language and remembers the choice in this browser. */
export async function chooseLocale(locale: Locale): Promise<void> {
  await activateLocale(locale);
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Private mode without storage: the choice lasts until the tab closes.
  }
}

// English is always there, so a first render never shows message ids.
i18n.setMessagesCompiler(compileMessage);
i18n.load('en', {});
i18n.activate('en');

export { i18n };
