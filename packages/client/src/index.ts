// @gatehouse/client: what a service needs from Gatehouse, and nothing else.
export { createTokenVerifier, type TokenVerifierOptions } from './tokens.ts';
export { createCheckClient, GatehouseError, type CheckClientOptions } from './checks.ts';
export { verifyWebhook, WebhookVerificationError, type GatehouseEvent } from './webhooks.ts';
export type * from './types.ts';
