import { hash, verify } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords.ts';
import type { FieldIssue } from '../errors.ts';

/** R16: argon2id at OWASP's minimum (19 MiB, t=2, p=1). */
const ARGON2 = { algorithm: 2 /* Argon2id; the package's enum is a const enum */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the email is unknown, so both answers take the same time.
let dummyHash: Promise<string> | undefined;
export function verifyAgainstDummy(password: string): Promise<boolean> {
  dummyHash ??= hashPassword('gatehouse-timing-equaliser');
  return dummyHash.then((h) => verifyPassword(h, password)).then(() => false);
}

/** Problems with a new password, for a ValidationError on `field`. */
export function passwordIssues(password: string, field: string[], context: { email?: string } = {}): FieldIssue[] {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return [{ path: field, message: `Use at least ${PASSWORD_MIN} characters` }];
  if (length > PASSWORD_MAX) return [{ path: field, message: `Use at most ${PASSWORD_MAX} characters` }];
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password) || isSequence(lower)) {
    return [{ path: field, message: 'This password is too common; choose another' }];
  }
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local) && lower.length - local.length < 6) {
    return [{ path: field, message: 'The password must not be based on your email address' }];
  }
  return [];
}

function isSequence(s: string): boolean {
  const rows = ['abcdefghijklmnopqrstuvwxyz', '01234567890', 'qwertyuiopasdfghjklzxcvbnm', '09876543210'];
  return rows.some((row) => row.includes(s) || row.repeat(3).includes(s));
}

/** A temporary password shown once to an admin: 20 characters from an unambiguous alphabet (~115 bits). */
export function generateTemporaryPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const limit = 256 - (256 % alphabet.length); // rejection sampling keeps every character equally likely
  let out = '';
  while (out.length < 20) {
    for (const b of crypto.getRandomValues(new Uint8Array(32))) {
      if (b < limit && out.length < 20) out += alphabet[b % alphabet.length];
    }
  }
  return out.replace(/(.{5})(?!$)/g, '$1-');
}
