import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { AuthError, LimitExceededError, NotFoundError, PolicyError, ValidationError, type FieldIssue } from '../../errors.ts';
import { sql } from 'kysely';
import { exec } from '../../db/sql.ts';
import { anyOf, builder, rowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';
import { credentialOf } from '../tokens/credential.ts';
import { newWebhookSecret } from './webhook.signing.ts';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entity.ts';
import { urlProblem } from './webhook.ssrf.ts';

/**
 * Webhook endpoints (R24), managed by integrations:manage holders signed in as people. Each change
 * is one transaction: lock the org row, re-read permissions (R2), change, audit (R13).
 */

export const ENDPOINT_LIMIT = 20;
export const MAX_EVENT_TYPES = 50;
export const ROTATION_MAX_HOURS = 168;
/** Most events one replay call queues; the answer says where to continue. */
export const REPLAY_BATCH = 1000;
const EVENT_TYPE = /^(\*|[a-z_]+(\.[a-z_]+)+)$/;

// Bigint columns (seq, audit_event.id) may arrive as text: read through Number() where a number is needed.

const endpointById = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('webhook_endpoint').select(['id', 'org_id', 'url', 'event_types', 'enabled']).where('id', '=', v.id),
);

/** The endpoint's row locked `for update`, with the transaction's now() (lockEndpoint). */
const lockedEndpointById = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('webhook_endpoint').selectAll().select(sql<Date | string>`now()`.as('db_now')).where('id', '=', v.id).forUpdate(),
);

const deliveryById = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('webhook_delivery').select(['endpoint_id', 'event_id', 'seq', 'org_id']).where('id', '=', v.id),
);

/** Events of the org from a sequence number that the endpoint's types match (`*`: every type), in order. */
const eventsFrom = new ShapeCache((_: object, v: { orgId: string; from: number; types: readonly string[]; limit: number }) =>
  builder
    .selectFrom('webhook_event')
    .select(['id', 'seq'])
    .where('org_id', '=', v.orgId)
    .where('seq', '>=', v.from)
    .where((eb) => eb.or([eb('type', '=', anyOf(eb, v.types, 'text')), eb(sql.lit<string>('*'), '=', anyOf(eb, v.types, 'text'))]))
    .orderBy('seq')
    .limit(v.limit),
);

/** The newest test audit event of an endpoint. */
const lastTestAudit = new ShapeCache((_: object, v: { orgId: string; endpointId: string }) =>
  builder
    .selectFrom('audit_event')
    .select(['id', 'seq'])
    .where('org_id', '=', v.orgId)
    .where('action', '=', sql.lit<string>('webhook.test'))
    .where('target_id', '=', v.endpointId)
    .orderBy('id', 'desc')
    .limit(sql.lit<number>(1)),
);

const eventOfSeq = new ShapeCache((_: object, v: { orgId: string; seq: number }) =>
  builder.selectFrom('webhook_event').select('id').where('org_id', '=', v.orgId).where('seq', '=', v.seq),
);

/** A delivery queued for the worker, written by the unit of work when the transaction flushes. */
function newDelivery(tx: Em, d: { orgId: string; endpointId: string; eventId: string; seq: string | number }): WebhookDelivery {
  return tx.create(WebhookDelivery, {
    id: crypto.randomUUID(), orgId: d.orgId, endpointId: d.endpointId, eventId: String(d.eventId), seq: Number(d.seq),
    status: 'PENDING', attempts: 0, nextAttemptAt: new Date(),
  });
}

function requireSession(acting: Acting) {
  if (!acting.user || credentialOf(acting.user)) throw new AuthError('FORBIDDEN', 'Sign in as a person to manage webhooks');
  return acting.user;
}

async function managerLock(acting: Acting, tx: Em, orgId: string) {
  await lockOrganization(tx, orgId);
  requirePermission(await permissionsAfterLock(tx, orgId, requireSession(acting)), 'integrations:manage');
}

async function findEndpoint(acting: Acting, tx: Em, id: string) {
  if (!isUuid(id)) throw new NotFoundError('WebhookEndpoint');
  const found = await rowOf(tx, endpointById.prepared({}, { id }));
  if (!found || !(await acting.can(found.org_id, 'integrations:manage'))) throw new NotFoundError('WebhookEndpoint');
  return found;
}

/**
 * The endpoint row locked `for update` after its org's lock, as the unit of work's entity (the
 * delivery worker writes `disabled_reason`/`enabled` without the org lock, so the row lock orders
 * it): a concurrent delete either committed before (NotFoundError) or waits for this transaction.
 */
async function lockEndpoint(tx: Em, id: string): Promise<{ endpoint: WebhookEndpoint; now: Date }> {
  const found = await rowOf(tx, lockedEndpointById.prepared({}, { id }));
  if (!found) throw new NotFoundError('WebhookEndpoint');
  const { db_now, ...columns } = found;
  return { endpoint: tx.map(WebhookEndpoint, columns), now: db_now instanceof Date ? db_now : new Date(db_now) };
}

function checkInput(acting: Acting, input: { url?: string | null; eventTypes?: readonly string[] | null }, prefix: string[]) {
  const issues: FieldIssue[] = [];
  if (input.url != null) {
    const problem = urlProblem(input.url.trim(), acting.app.config.webhooks.allowPrivateAddresses);
    if (problem) issues.push({ path: [...prefix, 'url'], message: problem });
  }
  if (input.eventTypes != null) {
    if (input.eventTypes.length === 0) issues.push({ path: [...prefix, 'eventTypes'], message: 'Choose at least one event type, or * for all' });
    if (input.eventTypes.length > MAX_EVENT_TYPES) issues.push({ path: [...prefix, 'eventTypes'], message: `At most ${MAX_EVENT_TYPES}` });
    input.eventTypes.forEach((t, i) => {
      if (!EVENT_TYPE.test(t)) issues.push({ path: [...prefix, 'eventTypes', String(i)], message: 'An audit action such as membership.roles_changed, or *' });
    });
  }
  if (issues.length) throw new ValidationError(issues);
}

/** How many webhook endpoints an org has (the limit is checked under the org's lock). */
const endpointsOfOrg = (orgId: string) =>
  builder.selectFrom('webhook_endpoint').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).where('org_id', '=', orgId);

export async function createWebhookEndpoint(em: Em, acting: Acting, input: { orgId: string; url: string; eventTypes: readonly string[]; description: string }) {
  if (!isUuid(input.orgId)) throw new NotFoundError('Organization');
  checkInput(acting, input, ['input']);
  return inTransaction(em, acting, async (tx) => {
    await managerLock(acting, tx, input.orgId);
    const count = (await rowOf(tx, endpointsOfOrg(input.orgId)))!.n;
    if (count >= ENDPOINT_LIMIT) throw new LimitExceededError(`At most ${ENDPOINT_LIMIT} webhook endpoints per organization`, ENDPOINT_LIMIT);
    const secret = newWebhookSecret();
    const eventTypes = [...new Set(input.eventTypes)];
    const endpoint = tx.create(WebhookEndpoint, { id: crypto.randomUUID(), orgId: input.orgId, url: input.url.trim(), description: input.description.trim(), eventTypes, enabled: true, secret });
    recordAudit(tx, acting.actor, { orgId: input.orgId, action: 'webhook.endpoint_created', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, after: { url: endpoint.url, eventTypes } });
    return { endpoint, secret };
  });
}

export async function updateWebhookEndpoint(em: Em, acting: Acting, id: string, input: { url?: string | null; eventTypes?: readonly string[] | null; enabled?: boolean | null; description?: string | null }) {
  checkInput(acting, input, ['input']);
  return inTransaction(em, acting, async (tx) => {
    const found = await findEndpoint(acting, tx, id);
    await managerLock(acting, tx, found.org_id);
    const { endpoint } = await lockEndpoint(tx, found.id);
    const before = { url: endpoint.url, eventTypes: [...endpoint.eventTypes], enabled: endpoint.enabled };
    const next = {
      url: input.url?.trim() ?? endpoint.url,
      eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : [...endpoint.eventTypes],
      enabled: input.enabled ?? endpoint.enabled,
    };
    tx.assign(endpoint, {
      ...next,
      description: input.description?.trim() ?? endpoint.description,
      // Enabling clears why the worker turned it off.
      disabledReason: next.enabled ? null : endpoint.disabledReason,
    });
    recordAudit(tx, acting.actor, {
      orgId: endpoint.orgId,
      action: 'webhook.endpoint_updated',
      target: { type: 'WebhookEndpoint', id: endpoint.id, label: next.url },
      before,
      after: next,
    });
    return endpoint;
  });
}

/** A new signing secret; the previous one keeps signing too for `overlapHours`, so receivers can switch without losing events. */
export async function rotateWebhookSecret(em: Em, acting: Acting, id: string, overlapHours: number) {
  if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > ROTATION_MAX_HOURS) throw ValidationError.field(['overlapHours'], `Between 0 and ${ROTATION_MAX_HOURS} hours`);
  return inTransaction(em, acting, async (tx) => {
    const found = await findEndpoint(acting, tx, id);
    await managerLock(acting, tx, found.org_id);
    const { endpoint, now } = await lockEndpoint(tx, found.id);
    const secret = newWebhookSecret();
    // The previous secret keeps signing until the overlap ends (counted from the transaction's now()).
    tx.assign(endpoint, { previousSecret: endpoint.secret, previousSecretExpiresAt: new Date(now.getTime() + overlapHours * 3_600_000), secret });
    recordAudit(tx, acting.actor, { orgId: endpoint.orgId, action: 'webhook.secret_rotated', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, after: { overlapHours } });
    return { endpoint, secret };
  });
}

export async function deleteWebhookEndpoint(em: Em, acting: Acting, id: string) {
  return inTransaction(em, acting, async (tx) => {
    const found = await findEndpoint(acting, tx, id);
    await managerLock(acting, tx, found.org_id);
    const { endpoint } = await lockEndpoint(tx, found.id);
    // Its deliveries and their attempts go with it: the foreign keys cascade.
    tx.remove(endpoint);
    recordAudit(tx, acting.actor, { orgId: endpoint.orgId, action: 'webhook.endpoint_deleted', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, before: { url: endpoint.url, eventTypes: [...endpoint.eventTypes] } });
    return endpoint.id;
  });
}

/** Sends one event to its endpoint again, as a new delivery (same webhook-id, so receivers can deduplicate). */
export async function redeliver(em: Em, acting: Acting, deliveryId: string): Promise<WebhookDelivery> {
  if (!isUuid(deliveryId)) throw new NotFoundError('WebhookDelivery');
  return inTransaction(em, acting, async (tx) => {
    const delivery = await rowOf(tx, deliveryById.prepared({}, { id: deliveryId }));
    if (!delivery || !(await acting.can(delivery.org_id, 'integrations:manage'))) throw new NotFoundError('WebhookDelivery');
    await managerLock(acting, tx, delivery.org_id);
    // An endpoint deleted meanwhile fails the delivery's foreign key at the flush: NotFoundError (db/retry.ts).
    const queued = newDelivery(tx, { orgId: delivery.org_id, endpointId: delivery.endpoint_id, eventId: delivery.event_id, seq: delivery.seq });
    recordAudit(tx, acting.actor, { orgId: delivery.org_id, action: 'webhook.redelivered', target: { type: 'WebhookEndpoint', id: delivery.endpoint_id }, after: { sequence: Number(delivery.seq), deliveryId: queued.id } });
    return queued;
  });
}

/**
 * Replay from a sequence number: every stored event of the organization from `fromSequence` that
 * the endpoint subscribes to is queued again, in order, at most REPLAY_BATCH per call;
 * `nextSequence` says where to continue (null when done). Nothing is cut off silently.
 */
export async function replay(em: Em, acting: Acting, endpointId: string, fromSequence: number): Promise<{ queued: number; nextSequence: number | null }> {
  if (!Number.isSafeInteger(fromSequence) || fromSequence < 1) throw ValidationError.field(['fromSequence'], 'A sequence number from 1');
  return inTransaction(em, acting, async (tx) => {
    const endpoint = await findEndpoint(acting, tx, endpointId);
    await managerLock(acting, tx, endpoint.org_id);
    const events = await rowsOf(tx, eventsFrom.prepared({}, { orgId: endpoint.org_id, from: fromSequence, types: endpoint.event_types, limit: REPLAY_BATCH + 1 }));
    const batch = events.slice(0, REPLAY_BATCH);
    // Written by the unit of work at the end: multi-row inserts instead of one statement per event.
    for (const event of batch) newDelivery(tx, { orgId: endpoint.org_id, endpointId: endpoint.id, eventId: event.id, seq: event.seq });
    recordAudit(tx, acting.actor, { orgId: endpoint.org_id, action: 'webhook.replayed', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, after: { fromSequence, queued: batch.length } });
    return { queued: batch.length, nextSequence: events.length > REPLAY_BATCH ? Number(events[REPLAY_BATCH]!.seq) : null };
  });
}

/**
 * The outbox event of an audit event, as the trigger (webhook_enqueue) writes it, for an audit
 * event no endpoint subscribed to: same payload shape, same sequence. Nothing when it exists.
 */
const OUTBOX_EVENT_OF_AUDIT = `
  insert into webhook_event (org_id, seq, audit_event_id, type, payload)
  select a.org_id, a.seq, a.id, a.action, jsonb_build_object(
           'type', a.action,
           'timestamp', a.created_at,
           'data', jsonb_build_object(
             'organizationId', a.org_id,
             'sequence', a.seq,
             'auditEventId', a.id,
             'actor', jsonb_build_object('userId', a.actor_user_id, 'label', a.actor_label),
             'target', jsonb_build_object('type', a.target_type, 'id', a.target_id, 'label', a.target_label, 'user', null),
             'before', a.before,
             'after', a.after))
    from audit_event a where a.id = $1
  on conflict (org_id, seq) do nothing`;

/**
 * "Send test event": a `webhook.test` event for one endpoint, through the same outbox as every
 * other event (R24): the audit event is written (so it is in the log and has the organization's
 * next sequence number), its outbox event and a delivery to this endpoint commit with it, and the
 * worker signs and sends it like any other, in order. Endpoints subscribed to `*` or to
 * `webhook.test` receive it too, as they receive every audit event of that kind. Answers the delivery.
 */
export async function sendTestEvent(em: Em, acting: Acting, endpointId: string): Promise<WebhookDelivery> {
  return inTransaction(em, acting, async (tx) => {
    const endpoint = await findEndpoint(acting, tx, endpointId);
    await managerLock(acting, tx, endpoint.org_id);
    if (!endpoint.enabled) throw new PolicyError('This endpoint is turned off; enable it to send it a test event');
    recordAudit(tx, acting.actor, { orgId: endpoint.org_id, action: 'webhook.test', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, after: { test: true } });
    await tx.flush();
    // The org row is locked: this is the test event just written, no other one of this endpoint can be newer.
    const audit = await rowOf(tx, lastTestAudit.prepared({}, { orgId: endpoint.org_id, endpointId: endpoint.id }));
    if (!audit) throw new Error('the test audit event was not written');
    // Kept as SQL: `insert … select … on conflict do nothing` builds the payload from the audit row in
    // the database, exactly as the trigger does, and may find the trigger's row already there.
    await exec(tx, OUTBOX_EVENT_OF_AUDIT, [audit.id]);
    const event = (await rowOf(tx, eventOfSeq.prepared({}, { orgId: endpoint.org_id, seq: audit.seq })))!;
    // The trigger queued it already when the endpoint subscribes to the test events.
    const queued = await tx.findOne(WebhookDelivery, { endpointId: endpoint.id, eventId: event.id });
    if (queued) return queued;
    return newDelivery(tx, { orgId: endpoint.org_id, endpointId: endpoint.id, eventId: event.id, seq: audit.seq });
  });
}
