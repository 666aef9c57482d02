import type { Em } from '../../db/orm.ts';
import { row as queryRow } from '../../db/sql.ts';
import { credentialKind, hashCredential } from '../../auth/api-key.ts';
import { UserView } from '../../graphql/views.ts';
import { attachCredential, type PersonalAccessTokenCredential } from './credential.ts';
import { authenticateServiceAccountKey, type ServicePrincipal } from '../service-accounts/service-account.principal.ts';

/** Writes of last_used_at are spaced out so a busy token costs no write per request. */
const LAST_USED_RESOLUTION = '1 minute';

type Row = { token_id: string; token_org_id: string; token_name: string; token_permissions: string[] | string } & Record<string, unknown>;

/**
 * A personal access token (already shape- and checksum-checked) to its owner and restriction, in one
 * statement that also records the use. Revoked, expired, or an owner who is disabled: no principal.
 * Whether the owner is still a member, and with which roles, is read per request by the context
 * (R2); removal deletes the token with the membership. The user object never carries platform-admin
 * powers: a token acts inside one organization only.
 */
export async function authenticatePersonalAccessToken(em: Em, secret: string): Promise<{ user: UserView; credential: PersonalAccessTokenCredential } | null> {
  // Kept as SQL: the lookup on every request records the use in the same statement (a writable CTE,
  // at most once a minute per token); through the unit of work it would take a read and a flush.
  const row = await queryRow<Row>(
    em,
    `with hit as (
       select t.id, t.org_id, t.name, t.permissions, t.user_id, t.last_used_at
         from personal_access_token t
         join "user" u on u.id = t.user_id and u.status = 'ACTIVE'
        where t.token_hash = decode($1, 'hex') and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
     ), touched as (
       update personal_access_token set last_used_at = now()
        where id in (select id from hit where last_used_at is null or last_used_at < now() - interval '${LAST_USED_RESOLUTION}')
     )
     select hit.id as token_id, hit.org_id as token_org_id, hit.name as token_name, hit.permissions as token_permissions, u.*
       from hit join "user" u on u.id = hit.user_id`,
    [hashCredential(secret).toString('hex')],
  );
  if (!row) return null;
  const { token_id, token_org_id, token_name, token_permissions, ...userRow } = row;
  // Read with the flag off: every platform-admin check sees an ordinary member (R23).
  const user = new UserView({ ...userRow, is_platform_admin: false });
  const credential: PersonalAccessTokenCredential = {
    kind: 'personalAccessToken',
    id: token_id,
    name: token_name,
    orgId: token_org_id,
    permissions: parsePgArray(token_permissions),
  };
  attachCredential(user, credential);
  return { user, credential };
}

/** pg parses text[]; some drivers hand back the literal `{a,b}`. Permission keys hold no commas or quotes. */
function parsePgArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',').map((s) => s.replace(/^"|"$/g, '')) : [];
}

/**
 * The request-principal hook (context.ts authenticate): a bearer value with one of our credential
 * prefixes is never a JWT. A bad checksum is refused before any database call.
 */
export async function authenticateCredential(
  em: Em,
  secret: string,
  ip: string | undefined,
): Promise<{ user: UserView; sessionId: string; credential: PersonalAccessTokenCredential } | ServicePrincipal | null> {
  const kind = credentialKind(secret);
  if (kind === 'serviceAccountKey') return authenticateServiceAccountKey(em, secret, ip);
  if (kind !== 'personalAccessToken') return null;
  const found = await authenticatePersonalAccessToken(em, secret);
  return found && { user: found.user, sessionId: `pat:${found.credential.id}`, credential: found.credential };
}
