import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { expectMatrix, RESOURCE_DOCS, setupOrg, type MatrixPreset, type Operation, type Outcome, type Relation } from './resources-matrix.ts';

/**
 * Seed 004 (Spaces): every space operation × Admin / Editor / Operator × a space assigned to them,
 * one of their org they have nothing to do with, one of another org (R1, R3, R19).
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
});
afterAll(async () => ts?.close());

const SPACES: MatrixPreset = {
  type: 'space',
  actors: ['admin', 'editor', 'operator'],
  topRole: 'admin',
  granterRole: 'admin',
  grantedRoleFor: (role) => (role === 'operator' ? 'space_operator' : 'space_editor'),
  victimRole: 'operator',
  victimResourceRole: 'space_operator',
};

const ALL_OK: Record<Operation, Outcome> = { read: 'ok', list: 'ok', members: 'ok', grant: 'ok', revoke: 'ok', delete: 'ok' };
const UNSEEN: Record<Operation, Outcome> = { read: 'NOT_FOUND', list: 'NOT_FOUND', members: 'NOT_FOUND', grant: 'NOT_FOUND', revoke: 'NOT_FOUND', delete: 'NOT_FOUND' };

const EXPECTED: Record<string, Record<Relation, Partial<Record<Operation, Outcome>>>> = {
  // "Admin: full edit and access privileges for all spaces ... assign roles."
  admin: { granted: ALL_OK, unrelated: ALL_OK, foreign: UNSEEN },
  // "Editor: ... can only view spaces that they have created themselves or been assigned to";
  // assigned (not owner): deletes it ("Delete a space they are assigned to"), assigns nobody.
  editor: { granted: { read: 'ok', list: 'ok', members: 'ok', grant: 'FORBIDDEN', revoke: 'FORBIDDEN', delete: 'ok' }, unrelated: UNSEEN, foreign: UNSEEN },
  // "Operator: access spaces that have been assigned to them."
  operator: { granted: { read: 'ok', list: 'ok', members: 'ok', grant: 'FORBIDDEN', revoke: 'FORBIDDEN', delete: 'FORBIDDEN' }, unrelated: UNSEEN, foreign: UNSEEN },
};

describe('R1 R3 R19 spaces: resource operation × org role × own/foreign organization', () => {
  it('matches the table', { timeout: 120_000 }, async () => {
    await expectMatrix(ts, SPACES, EXPECTED);
  });

  it('R1 create: Admin and Editor create spaces in their org; an Operator may not; another org answers like a non-existent one', async () => {
    const home = await setupOrg(ts, SPACES, 'Home');
    const foreign = await setupOrg(ts, SPACES, 'Foreign');
    const nowhere = Buffer.from('Organization:00000000-0000-4000-8000-000000000000').toString('base64');
    const outcome = async (org: string, token: string) => {
      const res = await ts.gql(RESOURCE_DOCS.CREATE, { o: org, t: 'space', n: 'New' }, token);
      return res.errors?.[0]?.extensions?.code ?? res.data?.createResource?.__typename;
    };
    const actual: Record<string, unknown> = {};
    for (const role of SPACES.actors) {
      const token = home.actors[role]!.token;
      actual[role] = { own: await outcome(home.orgGid, token), foreign: await outcome(foreign.orgGid, token), nowhere: await outcome(nowhere, token) };
    }
    const unseen = await outcome(nowhere, home.actors.admin!.token);
    expect(actual).toEqual({
      admin: { own: 'Resource', foreign: unseen, nowhere: unseen },
      editor: { own: 'Resource', foreign: unseen, nowhere: unseen },
      operator: { own: 'FORBIDDEN', foreign: unseen, nowhere: unseen },
    });
  });
});
