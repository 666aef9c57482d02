export function fullName(user: { firstName: string; lastName: string; displayName?: string; email: string }): string {
  return user.displayName || [user.firstName, user.lastName].filter(Boolean).join(' ') || user.email;
}

// Dates live in i18n/format.ts (one format per kind, in the active language).
export { formatDate, formatDateTime } from '../i18n/format.ts';
