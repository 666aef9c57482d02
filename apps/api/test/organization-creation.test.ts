/**
 * Organization creation policy (R15; Spaces: "Create new organizations"): configuration says who may
 * create organizations; the creator gets the preset's top role; each creation is audited.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { addMember, createOrg, createUser, gid, signIn, startTestServer, type TestServer } from './harness.ts';

const CREATE = `mutation($n: String!, $u: ID) { createOrganization(input: { name: $n, ownerUserId: $u }) {
  __typename ... on Organization { id slug } ... on ValidationError { issues { path message } } ... on Error { message } } }`;
const CAN = `{ viewerCanCreateOrganization }`;
const MINE = `{ viewer { memberships { organization { slug } roles { key } } } }`;

const servers: TestServer[] = [];
async function server(env: Record<string, string>): Promise<TestServer> {
  const ts = await startTestServer(env);
  servers.push(ts);
  return ts;
}
afterAll(async () => Promise.all(servers.map((s) => s.close())));

const name = () => `Org ${crypto.randomUUID().slice(0, 8)}`;
const rolesIn = async (ts: TestServer, token: string, slug: string) =>
  (await ts.gql(MINE, {}, token)).data.viewer.memberships.find((m: { organization: { slug: string } }) => m.organization.slug === slug)?.roles.map((r: { key: string }) => r.key);

// Each test starts its own server (one per setting): generous time on a loaded machine.
describe('ORGANIZATION_CREATION', { timeout: 180_000 }, () => {
  it('R15 platform-admins (the default): a member may not create an organization; a platform admin may and names its owner', async () => {
    const ts = await server({});
    const member = await createUser(ts.orm);
    await addMember(ts, (await createOrg(ts, 'Home')).id, ['owner'], { userId: member.id });
    const token = (await signIn(ts, member.email)).accessToken;
    expect((await ts.gql(CAN, {}, token)).data.viewerCanCreateOrganization).toBe(false);
    expect((await ts.gql(CREATE, { n: name() }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const admin = await createUser(ts.orm, { platformAdmin: true });
    const adminToken = (await signIn(ts, admin.email)).accessToken;
    expect((await ts.gql(CAN, {}, adminToken)).data.viewerCanCreateOrganization).toBe(true);
    const created = await ts.gql(CREATE, { n: name(), u: gid('User', member.id) }, adminToken);
    expect(created.data.createOrganization.__typename).toBe('Organization');
    expect(await rolesIn(ts, token, created.data.createOrganization.slug)).toEqual(['owner']);
  });

  it('R15 signed-in: any account creates an organization and becomes its top role; naming another owner is refused; audited with the policy', async () => {
    const ts = await server({ ORGANIZATION_CREATION: 'signed-in' });
    const user = await createUser(ts.orm);
    const other = await createUser(ts.orm);
    const token = (await signIn(ts, user.email)).accessToken;
    expect((await ts.gql(CAN, {}, token)).data.viewerCanCreateOrganization).toBe(true);
    const refused = await ts.gql(CREATE, { n: name(), u: gid('User', other.id) }, token);
    expect(refused.data.createOrganization.__typename).toBe('ValidationError');
    expect(refused.data.createOrganization.issues[0].path).toEqual(['input', 'ownerUserId']);

    const created = await ts.gql(CREATE, { n: name() }, token);
    expect(created.data.createOrganization.__typename).toBe('Organization');
    const slug = created.data.createOrganization.slug;
    expect(await rolesIn(ts, token, slug)).toEqual(['owner']);
    const orgId = Buffer.from(created.data.createOrganization.id, 'base64').toString('utf8').split(':')[1];
    const events = await emOf(ts.orm).execute<{ action: string; actor_user_id: string | null; after: unknown }[]>(
      `select action, actor_user_id, after from audit_event where org_id = ? and action = 'organization.created'`,
      [orgId],
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.actor_user_id).toBe(user.id);
    expect(JSON.stringify(events[0]!.after)).toContain('signed-in');
    // Signed out: nobody creates anything.
    expect((await ts.gql(CREATE, { n: name() })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await ts.gql(CAN, {})).data.viewerCanCreateOrganization).toBe(false);
  });

  it('R15 permission (Spaces): an Admin, who holds organizations:create, creates organizations and is their Admin; an Editor may not', async () => {
    const ts = await server({ GATEHOUSE_PRESET: 'spaces', ORGANIZATION_CREATION: 'permission' });
    const org = await createOrg(ts, 'Spaces Home');
    const admin = await addMember(ts, org.id, ['admin']);
    const editor = await addMember(ts, org.id, ['editor']);
    const adminToken = (await signIn(ts, admin.email)).accessToken;
    const editorToken = (await signIn(ts, editor.email)).accessToken;
    expect((await ts.gql(CAN, {}, editorToken)).data.viewerCanCreateOrganization).toBe(false);
    expect((await ts.gql(CREATE, { n: name() }, editorToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ts.gql(CAN, {}, adminToken)).data.viewerCanCreateOrganization).toBe(true);
    const created = await ts.gql(CREATE, { n: name() }, adminToken);
    expect(created.data.createOrganization.__typename).toBe('Organization');
    expect(await rolesIn(ts, adminToken, created.data.createOrganization.slug)).toEqual(['admin']);
    // A disabled membership gives nothing (R10): the permission must come from an active one.
    const disabled = await addMember(ts, org.id, ['admin'], { status: 'DISABLED' });
    expect((await ts.gql(CAN, {}, (await signIn(ts, disabled.email)).accessToken)).data.viewerCanCreateOrganization).toBe(false);
  });

  it('R18 bad settings stop the start with the variable named', () => {
    expect(() => loadConfig({ ORGANIZATION_CREATION: 'everyone' })).toThrow(ConfigError);
    expect(() => loadConfig({ ORGANIZATION_CREATION: 'permission', ORGANIZATION_CREATION_PERMISSION: 'nope:nope' })).toThrow(/ORGANIZATION_CREATION_PERMISSION/);
    expect(() => loadConfig({ ORGANIZATION_CREATION_PERMISSION: 'organizations:create' })).toThrow(/ORGANIZATION_CREATION_PERMISSION/);
    expect(loadConfig({ ORGANIZATION_CREATION: 'permission', ORGANIZATION_CREATION_PERMISSION: 'members:invite' }).organizationCreation).toEqual({ policy: 'permission', permission: 'members:invite' });
  });
});
