import { defineEntity, p } from '@mikro-orm/core';

/**
 * R24 entities. The service writes endpoints and queued deliveries through the unit of work; the
 * audit trigger (events, deliveries) and the delivery worker (claims `for update skip locked`,
 * attempts) write theirs with SQL.
 */
export const WebhookEndpointSchema = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoint',
  properties: {
    id: p.uuid().primary(),
    orgId: p.uuid(),
    url: p.string(),
    description: p.string().default(''),
    eventTypes: p.array().columnType('text[]'),
    enabled: p.boolean().default(true),
    secret: p.string().hidden(),
    previousSecret: p.string().nullable().hidden(),
    previousSecretExpiresAt: p.datetime().nullable(),
    disabledReason: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class WebhookEndpoint extends WebhookEndpointSchema.class {}
WebhookEndpointSchema.setClass(WebhookEndpoint);

export const WebhookEventSchema = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_event',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    orgId: p.uuid(),
    seq: p.bigint('number'),
    auditEventId: p.bigint('number'),
    type: p.string(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class WebhookEvent extends WebhookEventSchema.class {}
WebhookEventSchema.setClass(WebhookEvent);

export const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  properties: {
    id: p.uuid().primary(),
    orgId: p.uuid(),
    endpointId: p.uuid(),
    eventId: p.bigint('string'),
    seq: p.bigint('number'),
    status: p.string().$type<'PENDING' | 'SUCCEEDED' | 'FAILED'>().default('PENDING'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    leasedUntil: p.datetime().nullable(),
    lastStatus: p.integer().nullable(),
    lastError: p.string().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export class WebhookDelivery extends WebhookDeliverySchema.class {}
WebhookDeliverySchema.setClass(WebhookDelivery);

export const WebhookAttemptSchema = defineEntity({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempt',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    orgId: p.uuid(),
    deliveryId: p.uuid(),
    attemptedAt: p.datetime(),
    statusCode: p.integer().nullable(),
    error: p.string().nullable(),
    durationMs: p.integer(),
  },
});
export class WebhookAttempt extends WebhookAttemptSchema.class {}
WebhookAttemptSchema.setClass(WebhookAttempt);
