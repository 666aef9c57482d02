/**
 * One gate for text (R18, R22), shared by the API and the SPA: what a string input may contain,
 * how long it may be, and what a valid email address is. The API applies it to every string
 * argument before anything else runs; the SPA uses the same functions to explain a problem early.
 */

/** Maximum lengths, in UTF-16 code units, by kind of text. */
export const TEXT_LIMITS = {
  email: 254,
  password: 256,
  name: 100,
  slug: 63,
  search: 100,
  description: 500,
  token: 256,
  /** Several addresses in one text (comma, space or newline separated), parsed by the service. */
  addressList: 26_000,
  key: 100,
  id: 200,
  /** Anything not named more precisely. */
  other: 1000,
} as const;

export type TextKind = keyof typeof TEXT_LIMITS;

/** Most items any list argument may hold (bulk provisioning takes at most 10, invitations 100). */
export const MAX_LIST_ITEMS = 100;

// C0 and C1 controls except tab, line feed and carriage return (those are refused separately where a
// single line is expected), and the bidirectional overrides, embeddings, isolates and marks that
// let text display in a different order than it is stored (Trojan Source).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK = /[\t\n\r\u2028\u2029]/;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

export interface TextRules {
  maxLength: number;
  /** Descriptions may span lines; everything else is one line. */
  multiline?: boolean;
}

/** Why a string is refused, or undefined when it is acceptable. */
export function textIssue(value: string, rules: TextRules): string | undefined {
  if (value.length > rules.maxLength) return `Use at most ${rules.maxLength} characters`;
  if (!value.isWellFormed()) return 'Contains invalid characters (unpaired surrogate)';
  if (CONTROL.test(value)) return 'Contains control characters';
  if (!rules.multiline && LINE_BREAK.test(value)) return 'Must be a single line';
  if (BIDI.test(value)) return 'Contains bidirectional control characters';
  return undefined;
}

/** Names and labels: NFC, trimmed, inner runs of spaces collapsed. */
export function normalizeName(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ');
}

// Local part: RFC 5321 dot-atom of printable ASCII (no quoted strings, no comments).
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Domain after IDNA: ASCII labels of letters, digits and inner hyphens; a TLD of letters (or punycode).
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * The canonical form of an email address, or undefined when it is not one Gatehouse accepts.
 * Policy: ASCII local part (case-folded: addresses are unique case-insensitively), internationalized
 * domains accepted and stored as punycode (so `bücher.example` and `xn--bcher-kva.example` are one
 * address), at most 254 characters, no controls, spaces or bidirectional characters anywhere.
 */
export function canonicalEmail(input: string): string | undefined {
  const value = input.trim();
  if (value.length === 0 || value.length > TEXT_LIMITS.email || textIssue(value, { maxLength: TEXT_LIMITS.email })) return undefined;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64 || at === value.length - 1) return undefined;
  const local = value.slice(0, at);
  if (!LOCAL.test(local)) return undefined;
  const domain = asciiDomain(value.slice(at + 1));
  if (!domain) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(labels.at(-1)!)) return undefined;
  const email = `${local.toLowerCase()}@${domain}`;
  return email.length <= TEXT_LIMITS.email ? email : undefined;
}

/** Why an email address is refused, or undefined when it is valid. */
export function emailIssue(input: string): string | undefined {
  const code = emailIssueCode(input);
  if (code === 'EMPTY') return 'Enter an email address';
  if (code === 'TOO_LONG') return `Use at most ${TEXT_LIMITS.email} characters`;
  return code === 'INVALID' ? 'Not a valid email address' : undefined;
}

export type EmailIssueCode = 'EMPTY' | 'TOO_LONG' | 'INVALID';

/** The problem of emailIssue as a stable code (for a UI that words it in another language). */
export function emailIssueCode(input: string): EmailIssueCode | undefined {
  if (input.trim() === '') return 'EMPTY';
  if (input.length > TEXT_LIMITS.email) return 'TOO_LONG';
  return canonicalEmail(input) ? undefined : 'INVALID';
}


/** IDNA (UTS #46) through the URL parser, which Node and every browser implement the same way. */
function asciiDomain(domain: string): string | undefined {
  if (!/^[\p{L}\p{M}\p{N}.-]+$/u.test(domain)) return undefined;
  try {
    const host = new URL(`http://${domain}/`).hostname;
    return host.endsWith('.') ? undefined : host;
  } catch {
    return undefined;
  }
}
