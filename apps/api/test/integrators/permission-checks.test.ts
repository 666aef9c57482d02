import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type Member, type TestServer, rawId } from '../harness.ts';

/**
 * R23 checks for any subject: checkPermissions (batch, with explanations), whoCan and
 * accessibleResources, asked by people, personal access tokens and service accounts holding
 * permissions:check; answers read committed state at the time of the request (R2), foreign
 * subjects answer like unknown ones (R1).
 */

const CHECK = `query($o: ID!, $c: [PermissionCheckInput!]!) {
  checkPermissions(organizationId: $o, checks: $c) { subject permission resourceId allowed reason grantedBy { source key name } }
}`;
const WHO = `query($o: ID!, $p: String!, $r: ID, $first: Int, $after: String) {
  whoCan(organizationId: $o, permission: $p, resourceId: $r, first: $first, after: $after) { edges { node { kind subject name userId email } } pageInfo { hasNextPage endCursor } }
}`;
const ACCESSIBLE = `query($o: ID!, $s: ID!, $t: String!, $p: String!, $first: Int, $after: String) {
  accessibleResources(organizationId: $o, subject: $s, resourceType: $t, permission: $p, first: $first, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } }
}`;

async function serviceAccountKey(ts: TestServer, session: string, orgId: string, roleKey: string): Promise<{ id: string; secret: string }> {
  const created = await ts.gql(
    `mutation($o: ID!, $r: ID!, $n: String!) { createServiceAccount(input: { organizationId: $o, name: $n, roleIds: [$r] }) { ... on ServiceAccount { id } ... on Error { message } } }`,
    { o: gid('Organization', orgId), r: await roleGid(ts, orgId, roleKey), n: `svc-${crypto.randomUUID().slice(0, 8)}` },
    session,
  );
  const id = created.data.createServiceAccount.id as string;
  const key = await ts.gql(`mutation($s: ID!) { createServiceAccountKey(input: { serviceAccountId: $s, name: "k" }) { ... on CreatedServiceAccountKey { secret } } }`, { s: id }, session);
  return { id, secret: key.data.createServiceAccountKey.secret };
}

async function allPages(ts: TestServer, bearer: string, vars: Record<string, unknown>, doc: string, field: string, first: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res: { data?: any } = await ts.gql(doc, { ...vars, first, after }, bearer);
    const conn: any = res.data?.[field];
    if (!conn) throw new Error(JSON.stringify(res));
    seen.push(...conn.edges.map((e: { node: { subject?: string; id?: string } }) => e.node.subject ?? e.node.id));
    if (!conn.pageInfo.hasNextPage) return seen;
    after = conn.pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

describe('checkPermissions, whoCan (default preset)', () => {
  let ts: TestServer;
  let orgId: string;
  let ownerSession: string;
  let adminSession: string;
  let developer: Member;
  let viewer: Member;
  let disabled: Member;
  let foreign: Member;
  let reader: { id: string; secret: string };

  beforeAll(async () => {
    ts = await startTestServer();
    const owner = await createUser(ts.orm);
    orgId = (await createOrg(ts, 'Checks', owner.id)).id;
    ownerSession = (await signIn(ts, owner.email)).accessToken;
    adminSession = (await signIn(ts, (await addMember(ts, orgId, ['admin'])).email)).accessToken;
    developer = await addMember(ts, orgId, ['developer']);
    viewer = await addMember(ts, orgId, ['viewer']);
    disabled = await addMember(ts, orgId, ['developer'], { status: 'DISABLED' });
    const other = await createOrg(ts, 'Other checks');
    foreign = await addMember(ts, other.id, ['owner']);
    reader = await serviceAccountKey(ts, ownerSession, orgId, 'viewer');
  });
  afterAll(async () => ts?.close());

  it('R23 one request, one answer per question, in order, with the roles that grant it (explain) and R1 foreign subjects answered like unknown ones', async () => {
    const c = [
      { subject: developer.gid.user, permission: 'deployments:create' },
      { subject: viewer.gid.user, permission: 'deployments:create' },
      { subject: reader.id, permission: 'projects:read' },
      { subject: reader.id, permission: 'projects:delete' },
      { subject: foreign.gid.user, permission: 'org:read' },
      { subject: gid('User', crypto.randomUUID()), permission: 'org:read' },
      { subject: 'garbage', permission: 'org:read' },
      { subject: disabled.gid.user, permission: 'deployments:create' },
      { subject: developer.gid.user, permission: 'nope:nope' },
      { subject: developer.gid.user, permission: 'deployments:create', resourceId: crypto.randomUUID() },
    ];
    const res = await ts.gql(CHECK, { o: gid('Organization', orgId), c }, adminSession);
    expect(res.errors).toBeUndefined();
    const answers = res.data.checkPermissions;
    expect(answers.map((a: { allowed: boolean; reason: string }) => [a.allowed, a.reason])).toEqual([
      [true, 'ALLOWED'],
      [false, 'NOT_GRANTED'],
      [true, 'ALLOWED'],
      [false, 'NOT_GRANTED'],
      [false, 'NO_SUCH_SUBJECT'],
      [false, 'NO_SUCH_SUBJECT'],
      [false, 'NO_SUCH_SUBJECT'],
      [false, 'NO_SUCH_SUBJECT'],
      [false, 'UNKNOWN_PERMISSION'],
      [false, 'NO_SUCH_RESOURCE'],
    ]);
    expect(answers[0]).toMatchObject({ subject: developer.gid.user, permission: 'deployments:create', grantedBy: [{ source: 'ORGANIZATION_ROLE', key: 'developer', name: 'Developer' }] });
    expect(answers[2].grantedBy).toEqual([{ source: 'ORGANIZATION_ROLE', key: 'viewer', name: 'Viewer' }]);
  });

  it('R2 answers reflect committed state at the time of the request: a demotion shows on the next check', async () => {
    const member = await addMember(ts, orgId, ['developer']);
    const ask = async () => (await ts.gql(CHECK, { o: gid('Organization', orgId), c: [{ subject: member.gid.user, permission: 'deployments:create' }] }, adminSession)).data.checkPermissions[0].allowed;
    expect(await ask()).toBe(true);
    await ts.gql(`mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`, { m: member.gid.membership, r: [await roleGid(ts, orgId, 'viewer')] }, ownerSession);
    expect(await ask()).toBe(false);
  });

  it('R23 a service account and a personal access token with permissions:check may ask; without it, or from another organization, FORBIDDEN', async () => {
    const checker = await serviceAccountKey(ts, ownerSession, orgId, 'admin');
    const q = { o: gid('Organization', orgId), c: [{ subject: developer.gid.user, permission: 'deployments:create' }] };
    expect((await ts.gql(CHECK, q, checker.secret)).data.checkPermissions[0].allowed).toBe(true);
    expect((await ts.gql(CHECK, q, reader.secret)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const pat = await ts.gql(
      `mutation($o: ID!) { createPersonalAccessToken(input: { organizationId: $o, name: "checks", permissions: ["permissions:check"] }) { ... on CreatedPersonalAccessToken { secret } } }`,
      { o: gid('Organization', orgId) },
      adminSession,
    );
    expect((await ts.gql(CHECK, q, pat.data.createPersonalAccessToken.secret)).data.checkPermissions[0].allowed).toBe(true);
    const manager = (await signIn(ts, (await addMember(ts, orgId, ['manager'])).email)).accessToken;
    expect((await ts.gql(CHECK, q, manager)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const foreignSession = (await signIn(ts, foreign.email)).accessToken;
    expect((await ts.gql(CHECK, q, foreignSession)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('R22 a batch of 100 is answered in one request; 101 are refused naming the field', async () => {
    const c = Array.from({ length: 100 }, (_, i) => ({ subject: i % 2 ? developer.gid.user : viewer.gid.user, permission: i % 3 ? 'deployments:create' : 'projects:read' }));
    const res = await ts.gql(CHECK, { o: gid('Organization', orgId), c }, adminSession);
    expect(res.data.checkPermissions).toHaveLength(100);
    expect(res.data.checkPermissions.filter((a: { allowed: boolean }) => a.allowed)).toHaveLength(c.filter((q, i) => i % 2 === 1 || q.permission === 'projects:read').length);
    const over = await ts.gql(CHECK, { o: gid('Organization', orgId), c: [...c, c[0]] }, adminSession);
    expect(over.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(over.errors?.[0]?.message).toContain('at most 100');
  });

  it('R23 whoCan pages through every holder, members and service accounts, none twice, none missing; disabled ones are not holders', async () => {
    const extra = await Promise.all(Array.from({ length: 23 }, () => addMember(ts, orgId, ['developer'])));
    const services: { id: string; secret: string }[] = [];
    for (let i = 0; i < 6; i++) services.push(await serviceAccountKey(ts, ownerSession, orgId, 'developer'));
    const off = await serviceAccountKey(ts, ownerSession, orgId, 'developer');
    await ts.gql(`mutation($s: ID!) { setServiceAccountStatus(serviceAccountId: $s, status: DISABLED) { __typename } }`, { s: off.id }, ownerSession);
    const holdingAccounts = (
      await emOf(ts.orm).execute<{ id: string }[]>(
        `select distinct s.id from service_account s join service_account_role sr on sr.service_account_id = s.id join role r on r.id = sr.role_id
          where s.org_id = ? and s.status = 'ACTIVE' and r.key in ('owner', 'admin', 'manager', 'developer')`,
        [orgId],
      )
    ).map((r) => gid('ServiceAccount', r.id));
    const expected = (
      await emOf(ts.orm).execute<{ user_id: string }[]>(
        `select distinct m.user_id from membership m join membership_role mr on mr.membership_id = m.id join role r on r.id = mr.role_id
          where m.org_id = ? and m.status = 'ACTIVE' and r.key in ('owner', 'admin', 'manager', 'developer')`,
        [orgId],
      )
    ).map((r) => gid('User', r.user_id));
    const seen = await allPages(ts, adminSession, { o: gid('Organization', orgId), p: 'deployments:create' }, WHO, 'whoCan', 7);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected, ...holdingAccounts].sort());
    for (const m of extra) expect(seen).toContain(m.gid.user);
    for (const a of services) expect(seen).toContain(a.id);
    expect(seen).not.toContain(off.id);
    expect(seen).not.toContain(reader.id);
    expect(seen).not.toContain(disabled.gid.user);
    expect(seen).not.toContain(viewer.gid.user);
    // Service accounts are marked as such: no user, no membership, no email; their name.
    const first = await ts.gql(WHO, { o: gid('Organization', orgId), p: 'deployments:create', first: 100 }, adminSession);
    const account = first.data.whoCan.edges.map((e: { node: unknown }) => e.node).find((n: { subject: string }) => n.subject === services[0]!.id);
    expect(account).toMatchObject({ kind: 'SERVICE_ACCOUNT', userId: null, email: null, name: expect.stringMatching(/^svc-/) });
    const person = first.data.whoCan.edges.map((e: { node: unknown }) => e.node).find((n: { subject: string }) => n.subject === extra[0]!.gid.user);
    expect(person).toMatchObject({ kind: 'USER', userId: extra[0]!.gid.user, email: extra[0]!.email, name: extra[0]!.email });
    const badCursor = await ts.gql(WHO, { o: gid('Organization', orgId), p: 'org:read', after: 'nope' }, adminSession);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('R23 explainPermission explains a service account: the roles granting it, its status; R1 foreign or unknown accounts answer null', async () => {
    const EXPLAIN = `query($o: ID!, $s: ID!, $p: String!) { explainPermission(organizationId: $o, userId: $s, permission: $p) { allowed known membershipActive grantedBy { key } } }`;
    const deployer = await serviceAccountKey(ts, ownerSession, orgId, 'developer');
    const yes = await ts.gql(EXPLAIN, { o: gid('Organization', orgId), s: deployer.id, p: 'deployments:create' }, adminSession);
    expect(yes.data.explainPermission).toEqual({ allowed: true, known: true, membershipActive: true, grantedBy: [{ key: 'developer' }] });
    const no = await ts.gql(EXPLAIN, { o: gid('Organization', orgId), s: deployer.id, p: 'members:update' }, adminSession);
    expect(no.data.explainPermission).toEqual({ allowed: false, known: true, membershipActive: true, grantedBy: [] });
    // A service account whose role holds members:read and permissions:check may ask too.
    const checker = await serviceAccountKey(ts, ownerSession, orgId, 'admin');
    const asService = await ts.gql(EXPLAIN, { o: gid('Organization', orgId), s: deployer.id, p: 'deployments:create' }, checker.secret);
    expect(asService.data.explainPermission.allowed).toBe(true);
    await ts.gql(`mutation($s: ID!) { setServiceAccountStatus(serviceAccountId: $s, status: DISABLED) { __typename } }`, { s: deployer.id }, ownerSession);
    const off = await ts.gql(EXPLAIN, { o: gid('Organization', orgId), s: deployer.id, p: 'deployments:create' }, adminSession);
    expect(off.data.explainPermission).toMatchObject({ allowed: false, membershipActive: false, grantedBy: [{ key: 'developer' }] });
    const other = await createOrg(ts, 'Explain elsewhere');
    const foreign = await ts.gql(EXPLAIN, { o: gid('Organization', other.id), s: deployer.id, p: 'deployments:create' }, adminSession);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await ts.gql(EXPLAIN, { o: gid('Organization', orgId), s: gid('ServiceAccount', crypto.randomUUID()), p: 'deployments:create' }, adminSession);
    expect(unknown.data.explainPermission).toBeNull();
    // A viewer (members:read, but neither service_accounts:manage nor permissions:check) is not told about it.
    const viewerSession = (await signIn(ts, viewer.email)).accessToken;
    const hidden = await ts.gql(EXPLAIN, { o: gid('Organization', orgId), s: deployer.id, p: 'deployments:create' }, viewerSession);
    expect(hidden.data.explainPermission).toBeNull();
  });
});

describe('resources: checks, whoCan and accessibleResources (preset oec, R19)', () => {
  let ts: TestServer;
  let orgId: string;
  let checker: string;
  let restricted: Member;
  const projects: string[] = [];

  beforeAll(async () => {
    ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
    const owner = await createUser(ts.orm);
    orgId = (await createOrg(ts, 'Projects', owner.id)).id;
    checker = (await signIn(ts, (await addMember(ts, orgId, ['admin'])).email)).accessToken;
    restricted = await addMember(ts, orgId, ['restricted_developer']);
    for (let i = 0; i < 12; i++) {
      const id = crypto.randomUUID();
      projects.push(id);
      await emOf(ts.orm).execute(`insert into resource (id, org_id, type, name, created_by_id) values (?, ?, 'project', ?, ?)`, [id, orgId, `P${i}`, owner.id]);
    }
    // The restricted developer is project developer on every third project.
    for (const id of projects.filter((_, i) => i % 3 === 0)) {
      await emOf(ts.orm).execute(`insert into resource_grant (resource_id, membership_id, role_key) values (?, ?, 'project_developer')`, [id, restricted.membershipId]);
    }
  });
  afterAll(async () => ts?.close());

  it('R19 R23 a resource role answers on its resource only, and says so', async () => {
    const granted = projects[0]!;
    const other = projects[1]!;
    const res = await ts.gql(CHECK, {
      o: gid('Organization', orgId),
      c: [
        { subject: restricted.gid.user, permission: 'deployments:create', resourceId: gid('Resource', granted) },
        { subject: restricted.gid.user, permission: 'deployments:create', resourceId: gid('Resource', other) },
        { subject: restricted.gid.user, permission: 'deployments:create' },
      ],
    }, checker);
    expect(res.data.checkPermissions.map((a: { allowed: boolean; reason: string }) => [a.allowed, a.reason])).toEqual([[true, 'ALLOWED'], [false, 'NOT_GRANTED'], [false, 'NOT_GRANTED']]);
    expect(res.data.checkPermissions[0].grantedBy).toEqual([{ source: 'RESOURCE_ROLE', key: 'project', name: 'P0' }]);
  });

  it('R19 R23 accessibleResources pages through exactly the granted projects; an org-wide holder gets them all', async () => {
    const granted = projects.filter((_, i) => i % 3 === 0).sort();
    const seen = await allPages(ts, checker, { o: gid('Organization', orgId), s: restricted.gid.user, t: 'project', p: 'deployments:create' }, ACCESSIBLE, 'accessibleResources', 2);
    expect(seen.map(rawId)).toEqual(granted);
    const developer = await addMember(ts, orgId, ['developer']);
    const all = await allPages(ts, checker, { o: gid('Organization', orgId), s: developer.gid.user, t: 'project', p: 'deployments:create' }, ACCESSIBLE, 'accessibleResources', 5);
    expect(all.map(rawId)).toEqual([...projects].sort());
  });

  it('R19 R23 whoCan on a resource adds its resource-role holders to the organization-wide ones', async () => {
    const onGranted = await allPages(ts, checker, { o: gid('Organization', orgId), p: 'deployments:create', r: gid('Resource', projects[0]!) }, WHO, 'whoCan', 3);
    const onOther = await allPages(ts, checker, { o: gid('Organization', orgId), p: 'deployments:create', r: gid('Resource', projects[1]!) }, WHO, 'whoCan', 3);
    expect(onGranted).toContain(restricted.gid.user);
    expect(onOther).not.toContain(restricted.gid.user);
    expect(onGranted.length).toBe(onOther.length + 1);
  });
});
