import type { App } from '../../context.ts';
import { emOf, type Em } from '../../db/orm.ts';
import { transaction } from '../../db/retry.ts';
import { exec, rows, statement } from '../../db/sql.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { postWebhook, type SendResult } from './webhook.sender.ts';
import { signatureHeaders } from './webhook.signing.ts';

/**
 * Delivery (R24): every process runs this worker against the shared database. A claim is a short
 * transaction that picks due deliveries with FOR UPDATE SKIP LOCKED and leases them, so two workers
 * never send the same attempt; the HTTP call happens after that commit, and its outcome is recorded
 * in another. A process that dies mid-attempt leaves a lease that runs out: the attempt is made
 * again (at least once). Per endpoint, a delivery waits until every earlier one (by the
 * organization's sequence) has succeeded or given up, so each endpoint sees events in order.
 */

/** Waits before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 8 attempts over 27.6 hours. */
export const RETRY_DELAYS_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** Longer than any attempt can take (the time-out is at most 60 s). */
const LEASE_SECONDS = 90;
const BATCH = 10;

interface Claimed {
  id: string;
  org_id: string;
  event_id: string;
  attempts: number;
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | string | null;
  payload: Record<string, unknown> | string;
}

/** Due deliveries no other worker holds, each the endpoint's earliest pending one (per-endpoint order). */
const dueDeliveries = statement(
  'webhook_due_deliveries',
  `select d.id from webhook_delivery d
     join webhook_endpoint e on e.id = d.endpoint_id and e.enabled
    where d.status = 'PENDING' and d.next_attempt_at <= now() and (d.leased_until is null or d.leased_until < now())
      and not exists (select 1 from webhook_delivery p where p.endpoint_id = d.endpoint_id and p.status = 'PENDING' and p.seq < d.seq)
    order by d.next_attempt_at, d.seq
    limit $1 for update of d skip locked`,
);

const leaseDeliveries = statement(
  'webhook_lease_deliveries',
  `update webhook_delivery d set leased_until = now() + interval '${LEASE_SECONDS} seconds', attempts = d.attempts + 1
     from webhook_endpoint e, webhook_event ev
    where d.id = any($1::uuid[]) and e.id = d.endpoint_id and ev.id = d.event_id
    returning d.id, d.org_id, d.event_id, d.attempts, e.id as endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, ev.payload`,
);

export async function claimDue(em: Em, limit = BATCH): Promise<Claimed[]> {
  return transaction(em, async (tx) => {
    const due = await rows<{ id: string }>(tx, dueDeliveries, [limit]);
    if (due.length === 0) return [];
    return rows<Claimed>(tx, leaseDeliveries, [due.map((d) => d.id)]);
  });
}

/** The body sent: the stored event, plus the roles added and removed when before/after carry role lists. */
export function bodyOf(payload: Record<string, unknown> | string): string {
  const event = (typeof payload === 'string' ? JSON.parse(payload) : payload) as { data?: Record<string, unknown> };
  const data = event.data ?? {};
  const roles = (v: unknown) => (v && typeof v === 'object' && Array.isArray((v as { roles?: unknown }).roles) ? ((v as { roles: unknown[] }).roles.map(String)) : undefined);
  const before = roles(data['before']);
  const after = roles(data['after']);
  if (before && after) {
    data['rolesAdded'] = after.filter((r) => !before.includes(r));
    data['rolesRemoved'] = before.filter((r) => !after.includes(r));
  }
  return JSON.stringify({ ...event, data });
}

function secretsOf(row: Claimed): string[] {
  const previousValid = row.previous_secret && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > Date.now();
  return previousValid ? [row.secret, row.previous_secret!] : [row.secret];
}

const insertAttempt = statement('webhook_insert_attempt', `insert into webhook_attempt (org_id, delivery_id, status_code, error, duration_ms) values ($1, $2, $3, $4, $5)`);
const deliverySucceeded = statement(
  'webhook_delivery_succeeded',
  `update webhook_delivery set status = 'SUCCEEDED', leased_until = null, last_status = $1, last_error = null, last_attempt_at = now() where id = $2`,
);
const deliveryRetryLater = statement(
  'webhook_delivery_retry_later',
  `update webhook_delivery set leased_until = null, last_status = $1, last_error = $2, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => $3::int) where id = $4`,
);

async function record(app: App, em: Em, row: Claimed, result: SendResult) {
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  await transaction(em, async (tx) => {
    await exec(tx, insertAttempt, [row.org_id, row.id, result.status, result.error, result.durationMs]);
    if (ok) {
      await exec(tx, deliverySucceeded, [result.status, row.id]);
      return;
    }
    const error = result.error ?? `HTTP ${result.status}`;
    if (row.attempts < MAX_ATTEMPTS) {
      const delay = RETRY_DELAYS_SECONDS[row.attempts - 1]!;
      await exec(tx, deliveryRetryLater, [result.status, error, delay, row.id]);
      return;
    }
    // Given up after a day of retries: the endpoint keeps failing, so it is turned off (and that is audited).
    await exec(tx, `update webhook_delivery set status = 'FAILED', leased_until = null, last_status = $1, last_error = $2, last_attempt_at = now() where id = $3`, [result.status, error, row.id]);
    const disabled = await rows<{ id: string }>(
      tx,
      `update webhook_endpoint set enabled = false, disabled_reason = $1 where id = $2 and enabled returning id`,
      [`Disabled after ${MAX_ATTEMPTS} failed attempts of one delivery: ${error}`.slice(0, 500), row.endpoint_id],
    );
    if (disabled.length) {
      recordAudit(tx, { userId: null, label: 'webhook delivery' }, {
        orgId: row.org_id,
        action: 'webhook.endpoint_disabled',
        target: { type: 'WebhookEndpoint', id: row.endpoint_id, label: row.url },
        after: { enabled: false, reason: error },
      });
      await tx.flush();
    }
  });
  app.log.debug({ delivery: row.id, attempt: row.attempts, status: result.status, error: result.error }, 'webhook attempt');
}

/** One round: claim due deliveries, send them in parallel, record each outcome. Returns how many were attempted. */
export async function deliverDue(app: App): Promise<number> {
  const em = emOf(app.orm);
  const claimed = await claimDue(em);
  await Promise.all(
    claimed.map(async (row) => {
      const body = bodyOf(row.payload);
      const headers = signatureHeaders(`msg_${row.event_id}`, body, secretsOf(row));
      const result = await postWebhook(row.url, body, headers, { timeoutMs: app.config.webhooks.timeoutSeconds * 1000, allowPrivate: app.config.webhooks.allowPrivateAddresses });
      await record(app, emOf(app.orm), row, result);
    }),
  );
  return claimed.length;
}

export interface WebhookWorker {
  stop(): Promise<void>;
}

/** Polls while there is nothing to do; runs rounds back to back while there is. */
export function startWebhookWorker(app: App): WebhookWorker {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      let worked = 0;
      try {
        worked = await deliverDue(app);
      } catch (error) {
        if (!stopped) app.log.error({ err: error }, 'webhook worker round failed');
      }
      if (worked === 0 && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, app.config.webhooks.pollMilliseconds).unref();
        });
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
