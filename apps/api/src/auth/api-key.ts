import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Secrets handed to integrators (R23): `<prefix>_<30 base62 chars of randomness><6 base62 chars of
 * CRC32>`. The prefix lets secret scanners recognise them; the checksum lets a scanner (and this
 * server, before any database call) tell a real-looking secret from a typo. 30 base62 characters
 * carry 178 bits, so a plain sha256 is a safe storage hash (no password-style stretching needed).
 */
export const CREDENTIAL_PREFIXES = {
  personalAccessToken: 'ghpat',
  serviceAccountKey: 'ghsak',
} as const;

export type CredentialKind = keyof typeof CREDENTIAL_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 30;
const CHECKSUM_CHARS = 6;
const SHAPE = /^(ghpat|ghsak)_([0-9A-Za-z]{36})$/;

function base62(bytes: Uint8Array, length: number): string {
  let out = '';
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  for (const b of bytes) {
    if (b >= 248) continue;
    out += ALPHABET[b % 62];
    if (out.length === length) return out;
  }
  return out + base62(randomBytes(length), length - out.length);
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function generateCredential(kind: CredentialKind): { secret: string; hash: Buffer; hint: string } {
  const body = base62(randomBytes(RANDOM_CHARS + 8), RANDOM_CHARS);
  const secret = `${CREDENTIAL_PREFIXES[kind]}_${body}${checksum(body)}`;
  return { secret, hash: hashCredential(secret), hint: secret.slice(-4) };
}

/** The kind of a well-formed secret with a valid checksum, else undefined (no database call needed). */
export function credentialKind(secret: string): CredentialKind | undefined {
  const match = SHAPE.exec(secret);
  if (!match) return undefined;
  const rest = match[2]!;
  if (checksum(rest.slice(0, RANDOM_CHARS)) !== rest.slice(RANDOM_CHARS)) return undefined;
  return match[1] === CREDENTIAL_PREFIXES.personalAccessToken ? 'personalAccessToken' : 'serviceAccountKey';
}

/** Whether a bearer value looks like one of our credentials (any checksum): never treat it as a JWT. */
export function hasCredentialPrefix(secret: string): boolean {
  return secret.startsWith(`${CREDENTIAL_PREFIXES.personalAccessToken}_`) || secret.startsWith(`${CREDENTIAL_PREFIXES.serviceAccountKey}_`);
}

export function hashCredential(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
