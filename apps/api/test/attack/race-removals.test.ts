/**
 * R22 with the unit of work: a change and a removal of the same row sent at the same moment. The
 * services read the row they change under the organization lock (`for update`) and let the unit of
 * work write it, so the loser of a race answers a typed error (NotFoundError as a union member, or a
 * top-level NOT_FOUND / FORBIDDEN when the scope check already finds nothing), never
 * INTERNAL_SERVER_ERROR, and no change is audited that did not happen.
 *
 * Covers service accounts, their keys, webhook endpoints, resources and resource grants, personal
 * access tokens (Spaces preset) and invitations (Gatehouse preset, which invites). More rounds on PostgreSQL, where the requests run on separate connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type GqlResult, type TestServer, rawId } from '../harness.ts';
import { internalErrors, rounds, sql } from './support.ts';

const ROUNDS = rounds(20, 4);

let ts: TestServer;
let orgId: string;
let owner: string;
let operatorMembership: string;

beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
  const account = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Races', account.id)).id;
  owner = (await signIn(ts, account.email)).accessToken;
  operatorMembership = (await addMember(ts, orgId, ['operator'])).gid.membership;
});
afterAll(async () => ts?.close());

const TYPED_TOP_LEVEL = new Set(['NOT_FOUND', 'FORBIDDEN']);

/** A payload of `field` (its __typename), or the typed error the request answered; fails on anything else. */
function answerOf(res: GqlResult, field: string): string {
  expect(internalErrors(res), JSON.stringify(res)).toEqual([]);
  const typename = (res.data as Record<string, { __typename?: string } | null> | undefined)?.[field]?.__typename;
  if (typename) return typename;
  const code = res.errors?.[0]?.extensions?.code;
  expect(code && TYPED_TOP_LEVEL.has(code), `untyped answer: ${JSON.stringify(res).slice(0, 300)}`).toBe(true);
  return code!;
}

async function auditedIn(server: TestServer, action: string, targetId: string): Promise<number> {
  return Number((await sql<{ n: number }>(server, `select count(*)::int as n from audit_event where action = ? and target_id = ?`, [action, targetId]))[0]!.n);
}
const audited = (action: string, targetId: string) => auditedIn(ts, action, targetId);

const gql = (query: string, variables: Record<string, unknown>) => ts.gql(query, variables, owner);

describe(`R22 a change racing a removal answers a typed error (${ROUNDS} rounds each)`, () => {
  it('R22 deleteServiceAccount racing setServiceAccountStatus, setServiceAccountRoles and createServiceAccountKey', async () => {
    const roles = [await roleGid(ts, orgId, 'operator')];
    for (let round = 0; round < ROUNDS; round++) {
      const created = await gql(`mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { __typename ... on ServiceAccount { id } } }`, {
        i: { organizationId: gid('Organization', orgId), name: `race-${round}-${crypto.randomUUID().slice(0, 6)}`, roleIds: roles },
      });
      const id: string = created.data.createServiceAccount.id;
      const [removed, status, setRoles, key] = await Promise.all([
        gql(`mutation($s: ID!) { deleteServiceAccount(serviceAccountId: $s) { __typename } }`, { s: id }),
        gql(`mutation($s: ID!) { setServiceAccountStatus(serviceAccountId: $s, status: DISABLED) { __typename ... on ServiceAccount { status } } }`, { s: id }),
        gql(`mutation($s: ID!, $r: [ID!]!) { setServiceAccountRoles(serviceAccountId: $s, roleIds: $r) { __typename } }`, { s: id, r: [await roleGid(ts, orgId, 'editor')] }),
        gql(`mutation($i: CreateServiceAccountKeyInput!) { createServiceAccountKey(input: $i) { __typename } }`, { i: { serviceAccountId: id, name: 'k' } }),
      ]);
      expect(answerOf(removed, 'deleteServiceAccount')).toBe('DeletedPayload');
      expect(['ServiceAccount', 'NotFoundError', 'NOT_FOUND', 'FORBIDDEN']).toContain(answerOf(status, 'setServiceAccountStatus'));
      expect(['ServiceAccount', 'NotFoundError', 'NOT_FOUND', 'FORBIDDEN']).toContain(answerOf(setRoles, 'setServiceAccountRoles'));
      expect(['CreatedServiceAccountKey', 'NotFoundError', 'NOT_FOUND', 'FORBIDDEN']).toContain(answerOf(key, 'createServiceAccountKey'));
      const saId = Buffer.from(id, 'base64').toString().split(':')[1]!;
      expect(await sql(ts, `select 1 from service_account where id = ?`, [saId])).toEqual([]);
      expect(await audited('service_account.deleted', saId)).toBe(1);
      // A change answered with its payload happened (before the removal): its event is there, else none.
      expect(await audited('service_account.disabled', saId)).toBe(answerOf(status, 'setServiceAccountStatus') === 'ServiceAccount' ? 1 : 0);
    }
  });

  it('R22 revokeServiceAccountKey twice at once: both answer the revoked key, one audit event', async () => {
    const created = await gql(`mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { ... on ServiceAccount { id } } }`, {
      i: { organizationId: gid('Organization', orgId), name: `keys-${crypto.randomUUID().slice(0, 6)}`, roleIds: [await roleGid(ts, orgId, 'operator')] },
    });
    for (let round = 0; round < ROUNDS; round++) {
      const key = await gql(`mutation($i: CreateServiceAccountKeyInput!) { createServiceAccountKey(input: $i) { ... on CreatedServiceAccountKey { key { id } } } }`, {
        i: { serviceAccountId: created.data.createServiceAccount.id, name: `k${round}` },
      });
      const keyId: string = key.data.createServiceAccountKey.key.id;
      const answers = await Promise.all([0, 1].map(() => gql(`mutation($k: ID!) { revokeServiceAccountKey(keyId: $k) { __typename ... on ServiceAccountKey { active revokedAt } } }`, { k: keyId })));
      for (const res of answers) {
        expect(answerOf(res, 'revokeServiceAccountKey')).toBe('ServiceAccountKey');
        expect(res.data.revokeServiceAccountKey).toMatchObject({ active: false, revokedAt: expect.any(String) });
      }
      const rawKey = Buffer.from(keyId, 'base64').toString().split(':')[1]!;
      const events = await sql<{ n: number }>(ts, `select count(*)::int as n from audit_event where action = 'service_account.key_revoked' and "after" is null and "before"->>'keyId' = ?`, [rawKey]);
      expect(Number(events[0]!.n)).toBe(1);
    }
  });

  it('R22 deleteWebhookEndpoint racing updateWebhookEndpoint and rotateWebhookSecret', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const created = await gql(`mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename ... on WebhookSecretPayload { endpoint { id } } } }`, {
        i: { organizationId: gid('Organization', orgId), url: 'https://hooks.example.com/in', eventTypes: ['*'] },
      });
      const id: string = created.data.createWebhookEndpoint.endpoint.id;
      const [removed, updated, rotated] = await Promise.all([
        gql(`mutation($e: ID!) { deleteWebhookEndpoint(endpointId: $e) { __typename } }`, { e: id }),
        gql(`mutation($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { __typename ... on WebhookEndpoint { enabled } } }`, { i: { endpointId: id, enabled: false } }),
        gql(`mutation($e: ID!) { rotateWebhookSecret(endpointId: $e, overlapHours: 1) { __typename } }`, { e: id }),
      ]);
      expect(answerOf(removed, 'deleteWebhookEndpoint')).toBe('DeletedPayload');
      expect(['WebhookEndpoint', 'NotFoundError', 'NOT_FOUND', 'FORBIDDEN']).toContain(answerOf(updated, 'updateWebhookEndpoint'));
      expect(['WebhookSecretPayload', 'NotFoundError', 'NOT_FOUND', 'FORBIDDEN']).toContain(answerOf(rotated, 'rotateWebhookSecret'));
      const endpointId = Buffer.from(id, 'base64').toString().split(':')[1]!;
      expect(await audited('webhook.endpoint_deleted', endpointId)).toBe(1);
      expect(await audited('webhook.endpoint_updated', endpointId)).toBe(answerOf(updated, 'updateWebhookEndpoint') === 'WebhookEndpoint' ? 1 : 0);
    }
  });

  it('R22 deleteResource racing renameResource and grantResourceRole; revokeResourceRole twice at once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const created = await gql(`mutation($o: ID!, $n: String!) { createResource(organizationId: $o, type: "space", name: $n) { __typename ... on Resource { id name } } }`, {
        o: gid('Organization', orgId), n: `Space ${round}`,
      });
      expect(created.data.createResource).toMatchObject({ __typename: 'Resource', name: `Space ${round}` });
      const id: string = created.data.createResource.id;
      const granted = await gql(`mutation($r: ID!, $m: ID!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: "space_operator") { __typename ... on Resource { grants { roleKey } } } }`, { r: id, m: operatorMembership });
      expect(granted.data.grantResourceRole).toEqual({ __typename: 'Resource', grants: [{ roleKey: 'space_operator' }] });

      const revokes = await Promise.all([0, 1].map(() => gql(`mutation($r: ID!, $m: ID!) { revokeResourceRole(resourceId: $r, membershipId: $m) { __typename ... on Resource { grants { roleKey } } } }`, { r: id, m: operatorMembership })));
      expect(revokes.map((r) => answerOf(r, 'revokeResourceRole')).sort()).toEqual(['NotFoundError', 'Resource']);
      expect(await audited('resource.role_revoked', Buffer.from(operatorMembership, 'base64').toString().split(':')[1]!)).toBe(round + 1);

      const [removed, renamed, regranted] = await Promise.all([
        gql(`mutation($r: ID!) { deleteResource(resourceId: $r) { __typename } }`, { r: id }),
        gql(`mutation($r: ID!) { renameResource(resourceId: $r, name: "Renamed") { __typename ... on Resource { name } } }`, { r: id }),
        gql(`mutation($r: ID!, $m: ID!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: "space_operator") { __typename } }`, { r: id, m: operatorMembership }),
      ]);
      expect(answerOf(removed, 'deleteResource')).toBe('DeletedResourcePayload');
      const rename = answerOf(renamed, 'renameResource');
      expect(['Resource', 'NotFoundError']).toContain(rename);
      if (rename === 'Resource') expect(renamed.data.renameResource.name).toBe('Renamed');
      expect(['Resource', 'NotFoundError']).toContain(answerOf(regranted, 'grantResourceRole'));
      expect(await sql(ts, `select 1 from resource where id = ?`, [rawId(id)])).toEqual([]);
      expect(await sql(ts, `select 1 from resource_grant where resource_id = ?`, [rawId(id)])).toEqual([]);
      expect(await audited('resource.deleted', rawId(id))).toBe(1);
      expect(await audited('resource.renamed', rawId(id))).toBe(rename === 'Resource' ? 1 : 0);
    }
  });

  it('R22 revokePersonalAccessToken twice at once: both answer the revoked token, one audit event', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const token = await gql(`mutation($i: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $i) { __typename ... on CreatedPersonalAccessToken { token { id active } } } }`, {
        i: { organizationId: gid('Organization', orgId), name: `t${round}`, permissions: ['org:read'] },
      });
      expect(token.data.createPersonalAccessToken).toMatchObject({ __typename: 'CreatedPersonalAccessToken', token: { active: true } });
      const tokenId: string = token.data.createPersonalAccessToken.token.id;
      const tokenRevokes = await Promise.all([0, 1].map(() => gql(`mutation($t: ID!) { revokePersonalAccessToken(tokenId: $t) { __typename ... on PersonalAccessToken { active revokedAt } } }`, { t: tokenId })));
      for (const res of tokenRevokes) {
        expect(answerOf(res, 'revokePersonalAccessToken')).toBe('PersonalAccessToken');
        expect(res.data.revokePersonalAccessToken).toMatchObject({ active: false, revokedAt: expect.any(String) });
      }
      expect(await audited('token.revoked', Buffer.from(tokenId, 'base64').toString().split(':')[1]!)).toBe(1);
    }
  });
});

describe(`R22 revokeInvitation twice at once (${ROUNDS} rounds)`, () => {
  let inviting: TestServer;
  let inviter: string;
  let inviterOrg: string;
  beforeAll(async () => {
    inviting = await startTestServer();
    const account = await createUser(inviting.orm);
    inviterOrg = (await createOrg(inviting, 'Invites', account.id)).id;
    inviter = (await signIn(inviting, account.email)).accessToken;
  });
  afterAll(async () => inviting?.close());

  it('R22 R8 both answer the revoked invitation, one audit event', async () => {
    const gql = (query: string, variables: Record<string, unknown>) => inviting.gql(query, variables, inviter);
    const role = await roleGid(inviting, inviterOrg, 'viewer');
    for (let round = 0; round < ROUNDS; round++) {
      const email = `race-${round}-${crypto.randomUUID().slice(0, 6)}@example.test`;
      const invited = await gql(`mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) { __typename ... on InviteMembersPayload { results { status invitation { id status } } } } }`, {
        o: gid('Organization', inviterOrg), e: [email], r: [role],
      });
      const [result] = invited.data.inviteMembers.results;
      expect(result).toMatchObject({ status: 'INVITED', invitation: { status: 'PENDING' } });
      const revokes = await Promise.all([0, 1].map(() => gql(`mutation($i: ID!) { revokeInvitation(invitationId: $i) { __typename ... on Invitation { status } } }`, { i: result.invitation.id })));
      for (const res of revokes) {
        expect(answerOf(res, 'revokeInvitation')).toBe('Invitation');
        expect(res.data.revokeInvitation.status).toBe('REVOKED');
      }
      expect(await auditedIn(inviting, 'invitation.revoked', Buffer.from(result.invitation.id, 'base64').toString().split(':')[1]!)).toBe(1);
    }
  });
});
