import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { addMember, auditCount, createOrg, createUser, gid, rawId, roleGid, signIn, startTestServer, type TestServer } from './harness.ts';

/** R6 under the oec preset: exactly one owner; ownership moves by a transfer the new owner accepts. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const REQUEST = `mutation($o: ID!, $m: ID!) { requestOwnershipTransfer(organizationId: $o, toMembershipId: $m) { __typename ... on OwnershipTransfer { id status } ... on Error { message } } }`;
const ACCEPT = `mutation($t: ID!) { acceptOwnershipTransfer(transferId: $t) { __typename ... on Error { message } } }`;
const CANCEL = `mutation($t: ID!) { cancelOwnershipTransfer(transferId: $t) { __typename ... on OwnershipTransfer { status } ... on Error { message } } }`;

async function setup() {
  const owner = await createUser(ts.orm);
  const org = await createOrg(ts, 'Agency', owner.id);
  const admin = await addMember(ts, org.id, ['admin']);
  const dev = await addMember(ts, org.id, ['developer']);
  return {
    org,
    orgGid: gid('Organization', org.id),
    admin,
    dev,
    tokens: { owner: (await signIn(ts, owner.email)).accessToken, admin: (await signIn(ts, admin.email)).accessToken, dev: (await signIn(ts, dev.email)).accessToken },
  };
}

async function ownerEmails(orgId: string) {
  const rows = await emOf(ts.orm).execute<{ email: string }[]>(
    `select u.email from membership m join "user" u on u.id = m.user_id join membership_role mr on mr.membership_id = m.id join role r on r.id = mr.role_id where m.org_id = ? and r.key = 'owner'`,
    [orgId],
  );
  return rows.map((r) => r.email);
}

describe('ownership transfer (R6)', () => {
  it('R6 a role edit cannot create a second owner, even by the owner', async () => {
    const t = await setup();
    const res = await ts.gql(`mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`, { m: t.admin.gid.membership, r: [await roleGid(ts, t.org.id, 'owner')] }, t.tokens.owner);
    expect(res.data.setMemberRoles.__typename).toBe('PolicyError');
  });

  it('R6 ownership moves only when the new owner accepts; the old owner becomes an admin', async () => {
    const t = await setup();
    const offer = (await ts.gql(REQUEST, { o: t.orgGid, m: t.admin.gid.membership }, t.tokens.owner)).data.requestOwnershipTransfer;
    expect(offer.status).toBe('PENDING');
    const ownerBefore = await ownerEmails(t.org.id);
    expect(ownerBefore).toHaveLength(1);
    // Somebody else cannot accept it for them.
    expect((await ts.gql(ACCEPT, { t: offer.id }, t.tokens.dev)).data.acceptOwnershipTransfer.__typename).toBe('NotFoundError');
    const before = await auditCount(ts, t.org.id);
    expect((await ts.gql(ACCEPT, { t: offer.id }, t.tokens.admin)).data.acceptOwnershipTransfer.__typename).toBe('Organization');
    expect(await ownerEmails(t.org.id)).toEqual([t.admin.email]);
    expect(await auditCount(ts, t.org.id)).toBe(before + 1);
    const roles = await ts.gql(`{ viewer { memberships { roles { key } } } }`, {}, t.tokens.owner);
    expect(roles.data.viewer.memberships[0].roles).toEqual([{ key: 'admin' }]);
    expect((await ts.gql(ACCEPT, { t: offer.id }, t.tokens.admin)).data.acceptOwnershipTransfer.__typename).toBe('PolicyError');
  });

  it('R6 only the owner may offer ownership; the offer can be declined', async () => {
    const t = await setup();
    expect((await ts.gql(REQUEST, { o: t.orgGid, m: t.dev.gid.membership }, t.tokens.admin)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const offer = (await ts.gql(REQUEST, { o: t.orgGid, m: t.dev.gid.membership }, t.tokens.owner)).data.requestOwnershipTransfer;
    expect((await ts.gql(CANCEL, { t: offer.id }, t.tokens.dev)).data.cancelOwnershipTransfer.status).toBe('CANCELLED');
    expect((await ts.gql(ACCEPT, { t: offer.id }, t.tokens.dev)).data.acceptOwnershipTransfer.__typename).toBe('PolicyError');
    expect((await ownerEmails(t.org.id))).toHaveLength(1);
  });

  it('R6 transfer is refused where the preset allows several owners', async () => {
    const other = await startTestServer();
    try {
      const owner = await createUser(other.orm);
      const org = await createOrg(other, 'Multi', owner.id);
      const m = await addMember(other, org.id, ['admin']);
      const res = await other.gql(REQUEST, { o: gid('Organization', org.id), m: m.gid.membership }, (await signIn(other, owner.email)).accessToken);
      expect(res.data.requestOwnershipTransfer.__typename).toBe('PolicyError');
    } finally {
      await other.close();
    }
  });

  it('R6 a transfer id is an OwnershipTransfer global id; a raw id, another type\'s id or garbage answers like an unknown transfer', async () => {
    const t = await setup();
    const offer = (await ts.gql(REQUEST, { o: t.orgGid, m: t.admin.gid.membership }, t.tokens.owner)).data.requestOwnershipTransfer;
    expect(offer.id).toBe(gid('OwnershipTransfer', rawId(offer.id)));
    const unknown = await ts.gql(ACCEPT, { t: gid('OwnershipTransfer', crypto.randomUUID()) }, t.tokens.admin);
    expect(unknown.data.acceptOwnershipTransfer.__typename).toBe('NotFoundError');
    for (const other of [rawId(offer.id), gid('Membership', rawId(offer.id)), 'not-base64!', '']) {
      expect(await ts.gql(ACCEPT, { t: other }, t.tokens.admin), other).toEqual(unknown);
      expect((await ts.gql(CANCEL, { t: other }, t.tokens.admin)).data.cancelOwnershipTransfer.__typename, other).toBe('NotFoundError');
    }
    // Nothing moved: the global id still works.
    expect((await ts.gql(ACCEPT, { t: offer.id }, t.tokens.admin)).data.acceptOwnershipTransfer.__typename).toBe('Organization');
  });

  it('R1 node(id:) answers a transfer to members:read holders of its organization and to its parties, to anyone else like an unknown one', async () => {
    const t = await setup();
    // Parties and bystanders without members:read: a custom role holding only projects:read.
    const em = emOf(ts.orm);
    const roleId = crypto.randomUUID();
    await em.execute(`insert into role (id, org_id, key, name, permissions, builtin) values (?, ?, 'reader', 'Reader', '{projects:read}', false)`, [roleId, t.org.id]);
    const recipient = await addMember(ts, t.org.id, []);
    const bystander = await addMember(ts, t.org.id, []);
    for (const m of [recipient, bystander]) await em.execute(`insert into membership_role (membership_id, role_id) values (?, ?)`, [m.membershipId, roleId]);
    const offer = (await ts.gql(REQUEST, { o: t.orgGid, m: recipient.gid.membership }, t.tokens.owner)).data.requestOwnershipTransfer;
    const outsider = await setup();
    const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on OwnershipTransfer { status to { id } } } }`;
    const seen = { __typename: 'OwnershipTransfer', id: offer.id, status: 'PENDING', to: { id: recipient.gid.membership } };
    const tokenOf = async (email: string) => (await signIn(ts, email)).accessToken;
    for (const token of [t.tokens.owner, t.tokens.dev, await tokenOf(recipient.email)]) {
      expect((await ts.gql(NODE, { id: offer.id }, token)).data.node).toEqual(seen);
    }
    const missing = gid('OwnershipTransfer', crypto.randomUUID());
    for (const token of [await tokenOf(bystander.email), outsider.tokens.owner]) {
      const asForeign = await ts.gql(NODE, { id: offer.id }, token);
      expect(asForeign).toEqual(await ts.gql(NODE, { id: missing }, token));
      expect(asForeign).toEqual({ data: { node: null } });
    }
    expect((await ts.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [offer.id, missing] }, outsider.tokens.owner)).data.nodes).toEqual([null, null]);
    // A decided transfer stays readable to the same people.
    await ts.gql(CANCEL, { t: offer.id }, t.tokens.owner);
    expect((await ts.gql(NODE, { id: offer.id }, t.tokens.dev)).data.node.status).toBe('CANCELLED');
  });
});
