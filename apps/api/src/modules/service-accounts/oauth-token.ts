import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { App } from '../../context.ts';
import { tokenSettings } from '../../context.ts';
import { emOf, type Em } from '../../db/orm.ts';
import { credentialKind } from '../../auth/api-key.ts';
import { signServiceToken, verifyServiceToken } from '../../auth/client-credentials.ts';
import { readBody } from '../../http/body.ts';
import { clientIp } from '../../http/client-ip.ts';
import { isUuid } from '../../ids.ts';
import { sql } from 'kysely';
import { builder, rowOf, ShapeCache } from '../../db/kysely.ts';
import { countAttempt, recordSuccess, type ThrottleKeys } from '../../auth/throttle.ts';
import { TooManyAttemptsError } from '../../errors.ts';
import { authenticateServiceAccountKey, loadServiceAccount, type ServicePrincipal } from './service-account.principal.ts';

/** A token request is a few hundred bytes; anything past this is refused before parsing (R22). */
const MAX_TOKEN_REQUEST_BYTES = 4096;

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type';

/**
 * Client-secret guessing is throttled like sign-in (R16, auth/throttle.ts), per client id and per
 * address, in keys of their own: every attempt is counted before the secret is checked, a success
 * clears the client's count and gives the address one back, and past the free attempts each
 * further one doubles the lock-out (answered 429 with Retry-After).
 */
function tokenThrottleKeys(clientId: string, ip: string | undefined): ThrottleKeys {
  const digest = createHash('sha256').update(clientId.trim().toLowerCase()).digest('base64url');
  return { account: `oauth-client:${digest}`, ip: `oauth-ip:${(ip ?? 'unknown').slice(0, 64)}` };
}

const organizationSlug = new ShapeCache((_: object, v: { orgId: string }) => builder.selectFrom('organization').select('slug').where('id', '=', v.orgId));
const keyStillLive = new ShapeCache((_: object, v: { keyId: string; serviceAccountId: string }) =>
  builder.selectNoFrom((eb) =>
    eb
      .exists(
        eb
          .selectFrom('service_account_key')
          .select(sql.lit(1).as('one'))
          .where('id', '=', v.keyId)
          .where('service_account_id', '=', v.serviceAccountId)
          .where('revoked_at', 'is', null)
          .where((k) => k.or([k('expires_at', 'is', null), k('expires_at', '>', sql<Date>`now()`)])),
      )
      .as('ok'),
  ),
);

function reply(res: http.ServerResponse, status: number, body: Record<string, unknown>, extra: Record<string, string> = {}) {
  // RFC 6749 §5.1: token responses are never cached.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache', ...extra });
  res.end(JSON.stringify(body));
}

function fail(res: http.ServerResponse, error: OAuthError, description: string, basic = false) {
  // §5.2: invalid_client answers 401 with a challenge when the client tried HTTP Basic.
  if (error === 'invalid_client') return reply(res, 401, { error, error_description: description }, basic ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } : {});
  reply(res, 400, { error, error_description: description });
}

/** RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded inside the Basic credentials. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | 'malformed' {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header);
  if (!match) return /^Basic\b/i.test(header) ? 'malformed' : null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    return 'malformed';
  }
}

/**
 * POST /oauth/token, client credentials grant (RFC 6749 §4.4) for service accounts (R23):
 * client_id = the service account id, client_secret = one of its API keys, sent with HTTP Basic
 * (client_secret_basic) or in the form (client_secret_post), never both. Answers a short JWT access
 * token (aud, azp, org) verifiable against /.well-known/jwks.json. `scope` is accepted and ignored:
 * the token carries the account's roles, read on every request (R2).
 */
export async function handleTokenRequest(app: App, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return reply(res, 405, { error: 'invalid_request', error_description: 'Use POST' });
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return fail(res, 'invalid_request', 'Send the parameters form-encoded (application/x-www-form-urlencoded)');
  const body = (await readBody(req, MAX_TOKEN_REQUEST_BYTES)).toString('utf8');
  const form = new URLSearchParams(body);
  // §3.1: parameters must not be repeated.
  for (const name of new Set(form.keys())) if (form.getAll(name).length > 1) return fail(res, 'invalid_request', `${name} is repeated`);
  const grant = form.get('grant_type');
  if (!grant) return fail(res, 'invalid_request', 'grant_type is required');
  if (grant !== 'client_credentials') return fail(res, 'unsupported_grant_type', 'Only client_credentials is supported');

  const basic = basicCredentials(req.headers.authorization);
  if (basic === 'malformed') return fail(res, 'invalid_client', 'Malformed Basic credentials', true);
  const posted = form.has('client_id') || form.has('client_secret');
  if (basic && posted) return fail(res, 'invalid_request', 'Use one client authentication method, not both');
  const id = basic ? basic.id : form.get('client_id');
  const secret = basic ? basic.secret : form.get('client_secret');
  if (!id || !secret) return fail(res, 'invalid_client', 'client_id and client_secret are required', Boolean(basic));

  const em = emOf(app.orm);
  const ip = clientIp(req, app.config.trustProxy);
  const throttle = tokenThrottleKeys(id.slice(0, 200), ip);
  try {
    await countAttempt(em, throttle);
  } catch (error) {
    if (!(error instanceof TooManyAttemptsError)) throw error;
    return reply(res, 429, { error: 'temporarily_unavailable', error_description: error.message }, { 'retry-after': String(error.retryAfterSeconds) });
  }
  // Checksum first: a wrong-looking secret never reaches the key table (it still counts as an attempt).
  const principal = isUuid(id) && credentialKind(secret) === 'serviceAccountKey' ? await authenticateServiceAccountKey(em, secret, ip) : null;
  if (!principal || principal.serviceAccount.id !== id.toLowerCase()) return fail(res, 'invalid_client', 'Unknown client or wrong secret', Boolean(basic));
  await recordSuccess(em, throttle);
  const sa = principal.serviceAccount;
  const slug = (await rowOf(em, organizationSlug.prepared({}, { orgId: sa.orgId })))?.slug ?? '';
  const { token, expiresIn } = await signServiceToken(app.keys, tokenSettings(app.config), { serviceAccountId: sa.id, orgId: sa.orgId, orgSlug: slug, keyId: sa.keyId! });
  reply(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
}

/**
 * A client-credentials access token on a request: verified, then the account, its organization and
 * the key it was obtained with are read live (R2): disabling the account or revoking the key ends
 * the token on its next use, well before it expires.
 */
export async function authenticateServiceToken(app: App, em: Em, token: string): Promise<ServicePrincipal | null> {
  const claims = await verifyServiceToken(app.keys, tokenSettings(app.config), token);
  if (!claims) return null;
  if (!isUuid(claims.keyId) || !isUuid(claims.serviceAccountId)) return null;
  const live = await rowOf(em, keyStillLive.prepared({}, { keyId: claims.keyId, serviceAccountId: claims.serviceAccountId }));
  if (!live?.ok) return null;
  const sa = await loadServiceAccount(em, claims.serviceAccountId);
  if (!sa || sa.orgId !== claims.orgId) return null;
  return { serviceAccount: { ...sa, keyId: claims.keyId } };
}
