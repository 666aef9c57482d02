import { sql } from 'kysely';
import type { App } from '../../context.ts';
import { emOf, type Em } from '../../db/orm.ts';
import { transaction } from '../../db/retry.ts';
import { anyOf, builder, execOf, rowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
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

const now = sql<Date>`now()`;
/** A status as a literal, not a bound value: the due-deliveries index is partial (`where status = 'PENDING'`). */
const status = (value: 'PENDING' | 'SUCCEEDED' | 'FAILED') => sql.lit(value).$castTo<'PENDING' | 'SUCCEEDED' | 'FAILED'>();

/** Due deliveries no other worker holds, each the endpoint's earliest pending one (per-endpoint order). */
const dueDeliveries = new ShapeCache((_: object, v: { limit: number }) =>
  builder
    .selectFrom('webhook_delivery as d')
    .innerJoin('webhook_endpoint as e', (join) => join.onRef('e.id', '=', 'd.endpoint_id').on('e.enabled', '=', sql.lit(true)))
    .select('d.id')
    .where('d.status', '=', status('PENDING'))
    .where('d.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('d.leased_until', 'is', null), eb('d.leased_until', '<', now)]))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('webhook_delivery as p').select(sql.lit(1).as('one')).whereRef('p.endpoint_id', '=', 'd.endpoint_id').where('p.status', '=', status('PENDING')).whereRef('p.seq', '<', 'd.seq'))),
    )
    .orderBy('d.next_attempt_at')
    .orderBy('d.seq')
    .limit(v.limit)
    .forUpdate('d')
    .skipLocked(),
);

const leaseDeliveries = new ShapeCache((_: object, v: { ids: string[] }) =>
  builder
    .updateTable('webhook_delivery as d')
    .from(['webhook_endpoint as e', 'webhook_event as ev'])
    .set((eb) => ({ leased_until: sql<Date>`${now} + make_interval(secs => ${sql.lit(LEASE_SECONDS)})`, attempts: eb('d.attempts', '+', eb.lit(1)) }))
    .where((eb) => eb('d.id', '=', anyOf(eb, v.ids)))
    .whereRef('e.id', '=', 'd.endpoint_id')
    .whereRef('ev.id', '=', 'd.event_id')
    .returning(['d.id', 'd.org_id', 'd.event_id', 'd.attempts', 'e.id as endpoint_id', 'e.url', 'e.secret', 'e.previous_secret', 'e.previous_secret_expires_at', 'ev.payload']),
);

export async function claimDue(em: Em, limit = BATCH): Promise<Claimed[]> {
  return transaction(em, async (tx) => {
    const due = await rowsOf(tx, dueDeliveries.prepared({}, { limit }));
    if (due.length === 0) return [];
    return rowsOf(tx, leaseDeliveries.prepared({}, { ids: due.map((d) => d.id) }));
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

const insertAttempt = new ShapeCache((_: object, v: { orgId: string; deliveryId: string; status: number | null; error: string | null; durationMs: number }) =>
  builder
    .insertInto('webhook_attempt')
    // attempted_at: the column's default, the database's clock (the entity has no default the builder knows of).
    .values({ org_id: v.orgId, delivery_id: v.deliveryId, status_code: v.status, error: v.error, duration_ms: v.durationMs, attempted_at: sql<Date>`default` }),
);

const deliverySucceeded = new ShapeCache((_: object, v: { id: string; status: number | null }) =>
  builder
    .updateTable('webhook_delivery')
    .set((eb) => ({ status: status('SUCCEEDED'), leased_until: eb.lit(null), last_status: v.status, last_error: eb.lit(null), last_attempt_at: now }))
    .where('id', '=', v.id),
);
const deliveryRetryLater = new ShapeCache((_: object, v: { id: string; status: number | null; error: string; delay: number }) =>
  builder
    .updateTable('webhook_delivery')
    .set((eb) => ({
      leased_until: eb.lit(null),
      last_status: v.status,
      last_error: v.error,
      last_attempt_at: now,
      next_attempt_at: sql<Date>`${now} + make_interval(secs => ${eb.cast(eb.val(v.delay), 'integer')})`,
    }))
    .where('id', '=', v.id),
);
const deliveryFailed = new ShapeCache((_: object, v: { id: string; status: number | null; error: string }) =>
  builder
    .updateTable('webhook_delivery')
    .set((eb) => ({ status: status('FAILED'), leased_until: eb.lit(null), last_status: v.status, last_error: v.error, last_attempt_at: now }))
    .where('id', '=', v.id),
);

/** Turns an endpoint off unless it already is; answers its id when this did it. */
const disableEndpoint = new ShapeCache((_: object, v: { id: string; reason: string }) =>
  builder.updateTable('webhook_endpoint').set({ enabled: sql.lit(false), disabled_reason: v.reason }).where('id', '=', v.id).where('enabled', '=', sql.lit(true)).returning('id'),
);

/** Runs a built write that answers no rows. */

async function record(app: App, em: Em, row: Claimed, result: SendResult) {
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  await transaction(em, async (tx) => {
    await execOf(tx, insertAttempt.prepared({}, { orgId: row.org_id, deliveryId: row.id, status: result.status, error: result.error, durationMs: result.durationMs }));
    if (ok) {
      await execOf(tx, deliverySucceeded.prepared({}, { id: row.id, status: result.status }));
      return;
    }
    const error = result.error ?? `HTTP ${result.status}`;
    if (row.attempts < MAX_ATTEMPTS) {
      const delay = RETRY_DELAYS_SECONDS[row.attempts - 1]!;
      await execOf(tx, deliveryRetryLater.prepared({}, { id: row.id, status: result.status, error, delay }));
      return;
    }
    // Given up after a day of retries: the endpoint keeps failing, so it is turned off (and that is audited).
    await execOf(tx, deliveryFailed.prepared({}, { id: row.id, status: result.status, error }));
    const disabled = await rowOf(tx, disableEndpoint.prepared({}, { id: row.endpoint_id, reason: `Disabled after ${MAX_ATTEMPTS} failed attempts of one delivery: ${error}`.slice(0, 500) }));
    if (disabled) {
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
