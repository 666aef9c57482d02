import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { DeletedPayload } from './users.ts';
import { LimitExceededError, NotFoundError, PolicyError, ValidationError } from '../../errors.ts';
import { builder as sqlBuilder, rowOf, ShapeCache } from '../../db/kysely.ts';
import { isUuid, onlyUuids } from '../../ids.ts';
import { orgsWhere } from '../../modules/visibility.ts';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../modules/webhooks/webhook.entity.ts';
import * as webhooks from '../../modules/webhooks/webhook.service.ts';
import type { Context } from '../../context.ts';

/** R1: endpoints and their deliveries are visible to integrations:manage holders of their organization. */
async function visible<T extends { orgId: string }>(ctx: Context, rows: T[]): Promise<T[]> {
  const orgs = await orgsWhere(ctx, 'integrations:manage');
  return rows.filter((r) => orgs === 'all' || orgs.includes(r.orgId));
}

export const WebhookEndpointRef = builder.loadableNodeRef<WebhookEndpoint, string>('WebhookEndpoint', {
  id: { resolve: (e) => e.id },
  load: async (ids: string[], ctx) => visible(ctx, await ctx.em.find(WebhookEndpoint, { id: onlyUuids(ids) })),
  sort: (e) => e.id,
});

export const WebhookDeliveryRef = builder.loadableNodeRef<WebhookDelivery, string>('WebhookDelivery', {
  id: { resolve: (d) => d.id },
  load: async (ids: string[], ctx) => visible(ctx, await ctx.em.find(WebhookDelivery, { id: onlyUuids(ids) })),
  sort: (d) => d.id,
});

const WebhookAttemptRef = builder.objectRef<WebhookAttempt>('WebhookAttempt').implement({
  fields: (t) => ({
    attemptedAt: t.field({ type: 'DateTime', resolve: (a) => a.attemptedAt }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
  }),
});

const eventTypeById = new ShapeCache((_: object, v: { id: string }) => sqlBuilder.selectFrom('webhook_event').select('type').where('id', '=', v.id));
const endpointOrg = new ShapeCache((_: object, v: { id: string }) => sqlBuilder.selectFrom('webhook_endpoint').select('org_id').where('id', '=', v.id));
const deliveryOrg = new ShapeCache((_: object, v: { id: string }) => sqlBuilder.selectFrom('webhook_delivery').select('org_id').where('id', '=', v.id));

/** Deliveries listed per endpoint, newest first. */
const DELIVERY_PAGE_MAX = 100;

WebhookEndpointRef.implement({
  description: 'Where an organization’s events are sent (R24), signed per Standard Webhooks.',
  isTypeOf: (v) => v instanceof WebhookEndpoint,
  fields: (t) => ({
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    eventTypes: t.stringList({ description: 'Audit actions sent (e.g. membership.roles_changed), or * for all.', resolve: (e) => [...e.eventTypes] }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', { nullable: true, description: 'Set when deliveries kept failing and the endpoint was turned off.' }),
    previousSecretValidUntil: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.previousSecretExpiresAt ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt }),
    organization: t.field({ type: OrganizationRef, nullable: true, resolve: (e) => e.orgId }),
    deliveries: t.field({
      type: [WebhookDeliveryRef],
      description: `The delivery log, newest first: at most ${DELIVERY_PAGE_MAX}, before the given sequence number when set (page with beforeSequence = the last one’s sequence).`,
      args: { beforeSequence: t.arg.int(), first: t.arg.int({ defaultValue: 50 }) },
      resolve: (e, args, ctx) => {
        const first = Math.min(Math.max(args.first ?? 50, 0), DELIVERY_PAGE_MAX);
        return ctx.em.find(WebhookDelivery, { endpointId: e.id, ...(args.beforeSequence != null ? { seq: { $lt: args.beforeSequence } } : {}) }, { orderBy: { seq: 'desc', createdAt: 'desc' }, limit: first });
      },
    }),
  }),
});

WebhookDeliveryRef.implement({
  isTypeOf: (v) => v instanceof WebhookDelivery,
  fields: (t) => ({
    sequence: t.int({ description: 'The organization’s sequence number of the event.', resolve: (d) => Number(d.seq) }),
    eventType: t.string({ resolve: async (d, _a, ctx) => (await rowOf(ctx.em, eventTypeById.prepared({}, { id: d.eventId })))?.type ?? '' }),
    status: t.exposeString('status', { description: 'PENDING, SUCCEEDED or FAILED (gave up).' }),
    attemptCount: t.exposeInt('attempts'),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null) }),
    lastStatus: t.exposeInt('lastStatus', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    lastAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.lastAttemptAt ?? null }),
    attempts: t.field({ type: [WebhookAttemptRef], resolve: (d, _a, ctx) => ctx.em.find(WebhookAttempt, { deliveryId: d.id }, { orderBy: { id: 'asc' }, limit: 20 }) }),
  }),
});

const WebhookSecretPayload = builder.objectRef<{ endpoint: WebhookEndpoint; secret: string }>('WebhookSecretPayload').implement({
  description: 'The endpoint and its signing secret, shown only here, once.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (v) => v.endpoint }),
    secret: t.exposeString('secret', { description: 'whsec_… — verify webhook-signature with it (Standard Webhooks).' }),
  }),
});

const ReplayPayload = builder.objectRef<{ queued: number; nextSequence: number | null }>('WebhookReplayPayload').implement({
  fields: (t) => ({
    queued: t.exposeInt('queued'),
    nextSequence: t.exposeInt('nextSequence', { nullable: true, description: 'Call again from here; null when everything was queued.' }),
  }),
});

async function endpointScope(ctx: Context, id: string) {
  const found = isUuid(id) ? await rowOf(ctx.em, endpointOrg.prepared({}, { id })) : undefined;
  return { orgPermission: `${found?.org_id ?? 'none'}:integrations:manage` };
}

async function deliveryScope(ctx: Context, id: string) {
  const found = isUuid(id) ? await rowOf(ctx.em, deliveryOrg.prepared({}, { id })) : undefined;
  return { orgPermission: `${found?.org_id ?? 'none'}:integrations:manage` };
}

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    organizationId: t.globalID({ required: true, for: [OrganizationRef] }),
    url: t.string({ required: true }),
    eventTypes: t.stringList({ required: true }),
    description: t.string(),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    endpointId: t.globalID({ required: true, for: [WebhookEndpointRef] }),
    url: t.string(),
    eventTypes: t.stringList(),
    enabled: t.boolean(),
    description: t.string(),
  }),
});

builder.mutationField('createWebhookEndpoint', (t) =>
  t.field({
    type: WebhookSecretPayload,
    description: 'R24: an endpoint for the organization’s events (integrations:manage). Deliveries never reach private addresses unless configured.',
    errors: { types: [ValidationError, LimitExceededError, NotFoundError] },
    authScopes: (_r, { input }) => ({ orgPermission: `${input.organizationId.id}:integrations:manage` }),
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    // Each answers the entity the unit of work wrote: no re-read.
    resolve: (_r, { input }, ctx) => webhooks.createWebhookEndpoint(ctx.em, ctx, { orgId: input.organizationId.id, url: input.url, eventTypes: input.eventTypes, description: input.description ?? '' }),
  }),
);

builder.mutationField('updateWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    description: 'Change the URL, the event types, or enable/disable (enabling clears the reason it was turned off).',
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: (_r, { input }, ctx) => endpointScope(ctx, input.endpointId.id),
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_r, { input }, ctx) => webhooks.updateWebhookEndpoint(ctx.em, ctx, input.endpointId.id, input),
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: WebhookSecretPayload,
    description: 'A new signing secret; deliveries carry signatures with both secrets for overlapHours (default 24, at most 168).',
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: (_r, args, ctx) => endpointScope(ctx, args.endpointId.id),
    args: { endpointId: t.arg.globalID({ required: true, for: [WebhookEndpointRef] }), overlapHours: t.arg.int({ defaultValue: 24 }) },
    resolve: (_r, args, ctx) => webhooks.rotateWebhookSecret(ctx.em, ctx, args.endpointId.id, args.overlapHours ?? 24),
  }),
);

builder.mutationField('deleteWebhookEndpoint', (t) =>
  t.field({
    type: DeletedPayload,
    errors: { types: [NotFoundError] },
    authScopes: (_r, args, ctx) => endpointScope(ctx, args.endpointId.id),
    args: { endpointId: t.arg.globalID({ required: true, for: [WebhookEndpointRef] }) },
    resolve: async (_r, args, ctx) => {
      const id = await webhooks.deleteWebhookEndpoint(ctx.em, ctx, args.endpointId.id);
      return { deletedId: encodeGlobalID('WebhookEndpoint', id) };
    },
  }),
);

builder.mutationField('redeliverWebhook', (t) =>
  t.field({
    type: WebhookDeliveryRef,
    description: 'Sends one delivery’s event to its endpoint again (a new delivery, same webhook-id).',
    errors: { types: [NotFoundError] },
    authScopes: (_r, args, ctx) => deliveryScope(ctx, args.deliveryId.id),
    args: { deliveryId: t.arg.globalID({ required: true, for: [WebhookDeliveryRef] }) },
    resolve: (_r, args, ctx) => webhooks.redeliver(ctx.em, ctx, args.deliveryId.id),
  }),
);

builder.mutationField('sendTestWebhook', (t) =>
  t.field({
    type: WebhookDeliveryRef,
    description: 'Queues a signed `webhook.test` event for this endpoint through the outbox, like any other event (integrations:manage); answers its delivery, which the delivery log lists.',
    errors: { types: [NotFoundError, PolicyError] },
    authScopes: (_r, args, ctx) => endpointScope(ctx, args.endpointId.id),
    args: { endpointId: t.arg.globalID({ required: true, for: [WebhookEndpointRef] }) },
    resolve: (_r, args, ctx) => webhooks.sendTestEvent(ctx.em, ctx, args.endpointId.id),
  }),
);

builder.mutationField('replayWebhooks', (t) =>
  t.field({
    type: ReplayPayload,
    description: `Queues again, in order, every stored event from a sequence number that the endpoint subscribes to (at most ${webhooks.REPLAY_BATCH} per call).`,
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: (_r, args, ctx) => endpointScope(ctx, args.endpointId.id),
    args: { endpointId: t.arg.globalID({ required: true, for: [WebhookEndpointRef] }), fromSequence: t.arg.int({ required: true }) },
    resolve: (_r, args, ctx) => webhooks.replay(ctx.em, ctx, args.endpointId.id, args.fromSequence),
  }),
);

builder.queryField('webhookEndpoints', (t) =>
  t.field({
    type: [WebhookEndpointRef],
    description: `The organization’s webhook endpoints (at most ${webhooks.ENDPOINT_LIMIT}), oldest first (integrations:manage).`,
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:integrations:manage` }),
    args: { organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }) },
    resolve: (_r, args, ctx) => (isUuid(args.organizationId.id) ? ctx.em.find(WebhookEndpoint, { orgId: args.organizationId.id }, { orderBy: { createdAt: 'asc', id: 'asc' } }) : []),
  }),
);
