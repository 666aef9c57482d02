import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The Standard Webhooks headers for one attempt: webhook-id (stable across retries, so receivers
 * deduplicate), webhook-timestamp and webhook-signature, signed with every secret currently valid
 * (the new one and, during a rotation's overlap, the previous one), space separated.
 */
export function signatureHeaders(messageId: string, body: string, secrets: readonly string[], at = new Date()): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
