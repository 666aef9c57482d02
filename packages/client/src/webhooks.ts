import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export interface GatehouseEvent {
  type: string;
  timestamp: string;
  data: {
    organizationId: string;
    /** The organization's sequence number: strictly increasing per organization. */
    sequence: number;
    auditEventId: number;
    actor: { userId: string | null; label: string };
    target: { type: string | null; id: string | null; label: string | null; user: { id: string; email: string } | null };
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    rolesAdded?: string[];
    rolesRemoved?: string[];
  };
}

/**
 * Verifies a Gatehouse webhook (Standard Webhooks: webhook-id, webhook-timestamp within 5 minutes,
 * webhook-signature; any of several signatures during a secret rotation) and returns the event.
 * `body` must be the raw request body. Throws WebhookVerificationError when it does not verify.
 */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string | string[] | undefined> | Headers): GatehouseEvent {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  return new Webhook(secret).verify(body, {
    'webhook-id': get('webhook-id') ?? '',
    'webhook-timestamp': get('webhook-timestamp') ?? '',
    'webhook-signature': get('webhook-signature') ?? '',
  }) as GatehouseEvent;
}

export { WebhookVerificationError };
