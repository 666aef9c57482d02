import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { AuthError, LimitExceededError, NotFoundError, PolicyError, ValidationError, type FieldIssue } from '../../errors.ts';
import { exec, row, rows } from '../../db/sql.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';
import { credentialOf } from '../tokens/credential.ts';
import { newWebhookSecret } from './webhook.signing.ts';
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
const INSERT_DELIVERY = `insert into webhook_delivery (id, org_id, endpoint_id, event_id, seq) values ($1, $2, $3, $4, $5)`;

interface EndpointRow {
  id: string;
  org_id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
}

function requireSession(acting: Acting) {
  if (!acting.user || credentialOf(acting.user)) throw new AuthError('FORBIDDEN', 'Sign in as a person to manage webhooks');
  return acting.user;
}

async function managerLock(acting: Acting, tx: Em, orgId: string) {
  await lockOrganization(tx, orgId);
  requirePermission(await permissionsAfterLock(tx, orgId, requireSession(acting)), 'integrations:manage');
}

async function findEndpoint(acting: Acting, tx: Em, id: string): Promise<EndpointRow> {
  if (!isUuid(id)) throw new NotFoundError('WebhookEndpoint');
  const found = await row<EndpointRow>(tx, `select id, org_id, url, event_types, enabled from webhook_endpoint where id = $1`, [id]);
  if (!found || !(await acting.can(found.org_id, 'integrations:manage'))) throw new NotFoundError('WebhookEndpoint');
  return found;
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

export async function createWebhookEndpoint(em: Em, acting: Acting, input: { orgId: string; url: string; eventTypes: readonly string[]; description: string }) {
  if (!isUuid(input.orgId)) throw new NotFoundError('Organization');
  checkInput(acting, input, ['input']);
  return inTransaction(em, acting, async (tx) => {
    await managerLock(acting, tx, input.orgId);
    const count = (await row<{ n: number }>(tx, `select count(*)::int as n from webhook_endpoint where org_id = $1`, [input.orgId]))!.n;
    if (count >= ENDPOINT_LIMIT) throw new LimitExceededError(`At most ${ENDPOINT_LIMIT} webhook endpoints per organization`, ENDPOINT_LIMIT);
    const id = crypto.randomUUID();
    const secret = newWebhookSecret();
    const eventTypes = [...new Set(input.eventTypes)];
    await exec(tx, `insert into webhook_endpoint (id, org_id, url, description, event_types, secret) values ($1, $2, $3, $4, $5::text[], $6)`, [id, input.orgId, input.url.trim(), input.description.trim(), eventTypes, secret]);
    recordAudit(tx, acting.actor, { orgId: input.orgId, action: 'webhook.endpoint_created', target: { type: 'WebhookEndpoint', id, label: input.url.trim() }, after: { url: input.url.trim(), eventTypes } });
    return { id, secret };
  });
}

export async function updateWebhookEndpoint(em: Em, acting: Acting, id: string, input: { url?: string | null; eventTypes?: readonly string[] | null; enabled?: boolean | null; description?: string | null }) {
  checkInput(acting, input, ['input']);
  return inTransaction(em, acting, async (tx) => {
    const endpoint = await findEndpoint(acting, tx, id);
    await managerLock(acting, tx, endpoint.org_id);
    const next = {
      url: input.url?.trim() ?? endpoint.url,
      eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : endpoint.event_types,
      enabled: input.enabled ?? endpoint.enabled,
    };
    await exec(
      tx,
      `update webhook_endpoint set url = $1, event_types = $2::text[], enabled = $3, description = coalesce($4, description),
              disabled_reason = case when $3 then null else disabled_reason end where id = $5`,
      [next.url, next.eventTypes, next.enabled, input.description?.trim() ?? null, endpoint.id],
    );
    recordAudit(tx, acting.actor, {
      orgId: endpoint.org_id,
      action: 'webhook.endpoint_updated',
      target: { type: 'WebhookEndpoint', id: endpoint.id, label: next.url },
      before: { url: endpoint.url, eventTypes: endpoint.event_types, enabled: endpoint.enabled },
      after: next,
    });
    return endpoint.id;
  });
}

/** A new signing secret; the previous one keeps signing too for `overlapHours`, so receivers can switch without losing events. */
export async function rotateWebhookSecret(em: Em, acting: Acting, id: string, overlapHours: number) {
  if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > ROTATION_MAX_HOURS) throw ValidationError.field(['overlapHours'], `Between 0 and ${ROTATION_MAX_HOURS} hours`);
  return inTransaction(em, acting, async (tx) => {
    const endpoint = await findEndpoint(acting, tx, id);
    await managerLock(acting, tx, endpoint.org_id);
    const secret = newWebhookSecret();
    await exec(
      tx,
      `update webhook_endpoint set previous_secret = secret, previous_secret_expires_at = now() + make_interval(hours => $1::int), secret = $2 where id = $3`,
      [overlapHours, secret, endpoint.id],
    );
    recordAudit(tx, acting.actor, { orgId: endpoint.org_id, action: 'webhook.secret_rotated', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, after: { overlapHours } });
    return { id: endpoint.id, secret };
  });
}

export async function deleteWebhookEndpoint(em: Em, acting: Acting, id: string) {
  return inTransaction(em, acting, async (tx) => {
    const endpoint = await findEndpoint(acting, tx, id);
    await managerLock(acting, tx, endpoint.org_id);
    await exec(tx, `delete from webhook_endpoint where id = $1`, [endpoint.id]);
    recordAudit(tx, acting.actor, { orgId: endpoint.org_id, action: 'webhook.endpoint_deleted', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, before: { url: endpoint.url, eventTypes: endpoint.event_types } });
    return endpoint.id;
  });
}

/** Sends one event to its endpoint again, as a new delivery (same webhook-id, so receivers can deduplicate). */
export async function redeliver(em: Em, acting: Acting, deliveryId: string): Promise<string> {
  if (!isUuid(deliveryId)) throw new NotFoundError('WebhookDelivery');
  return inTransaction(em, acting, async (tx) => {
    const delivery = await row<{ endpoint_id: string; event_id: string; seq: string; org_id: string }>(tx, `select endpoint_id, event_id, seq, org_id from webhook_delivery where id = $1`, [deliveryId]);
    if (!delivery || !(await acting.can(delivery.org_id, 'integrations:manage'))) throw new NotFoundError('WebhookDelivery');
    await managerLock(acting, tx, delivery.org_id);
    const id = crypto.randomUUID();
    await exec(tx, INSERT_DELIVERY, [id, delivery.org_id, delivery.endpoint_id, delivery.event_id, delivery.seq]);
    recordAudit(tx, acting.actor, { orgId: delivery.org_id, action: 'webhook.redelivered', target: { type: 'WebhookEndpoint', id: delivery.endpoint_id }, after: { sequence: Number(delivery.seq), deliveryId: id } });
    return id;
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
    const events = await rows<{ id: string; seq: string }>(
      tx,
      `select id, seq from webhook_event where org_id = $1 and seq >= $2 and (type = any ($3::text[]) or '*' = any ($3::text[])) order by seq limit $4`,
      [endpoint.org_id, fromSequence, endpoint.event_types, REPLAY_BATCH + 1],
    );
    const batch = events.slice(0, REPLAY_BATCH);
    for (const event of batch) await exec(tx, INSERT_DELIVERY, [crypto.randomUUID(), endpoint.org_id, endpoint.id, event.id, event.seq]);
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
export async function sendTestEvent(em: Em, acting: Acting, endpointId: string): Promise<string> {
  return inTransaction(em, acting, async (tx) => {
    const endpoint = await findEndpoint(acting, tx, endpointId);
    await managerLock(acting, tx, endpoint.org_id);
    if (!endpoint.enabled) throw new PolicyError('This endpoint is turned off; enable it to send it a test event');
    recordAudit(tx, acting.actor, { orgId: endpoint.org_id, action: 'webhook.test', target: { type: 'WebhookEndpoint', id: endpoint.id, label: endpoint.url }, after: { test: true } });
    await tx.flush();
    // The org row is locked: this is the test event just written, no other one of this endpoint can be newer.
    const audit = await row<{ id: string; seq: string }>(
      tx,
      `select id, seq from audit_event where org_id = $1 and action = 'webhook.test' and target_id = $2 order by id desc limit 1`,
      [endpoint.org_id, endpoint.id],
    );
    if (!audit) throw new Error('the test audit event was not written');
    await exec(tx, OUTBOX_EVENT_OF_AUDIT, [audit.id]);
    const event = (await row<{ id: string }>(tx, `select id from webhook_event where org_id = $1 and seq = $2`, [endpoint.org_id, audit.seq]))!;
    const queued = await row<{ id: string }>(tx, `select id from webhook_delivery where endpoint_id = $1 and event_id = $2`, [endpoint.id, event.id]);
    if (queued) return queued.id;
    const id = crypto.randomUUID();
    await exec(tx, INSERT_DELIVERY, [id, endpoint.org_id, endpoint.id, event.id, audit.seq]);
    return id;
  });
}
