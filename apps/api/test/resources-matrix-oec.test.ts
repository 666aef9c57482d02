import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { expectMatrix, type MatrixPreset, type Operation, type Outcome, type Relation } from './resources-matrix.ts';

/**
 * Seed 001 (OEC.SH) "Project-Level Permissions": every project operation × Owner / Admin / Developer /
 * Viewer / restricted developer × a project they hold a project role on, one they do not, one of
 * another org (R1, R3, R19). Project Admins ("full control of this project") manage its members.
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const OEC: MatrixPreset = {
  type: 'project',
  actors: ['owner', 'admin', 'developer', 'viewer', 'restricted_developer'],
  topRole: 'owner',
  granterRole: 'admin',
  // Developers are made Project Developers; Viewers and restricted developers Project Admins.
  grantedRoleFor: (role) => (role === 'viewer' || role === 'restricted_developer' ? 'project_admin' : 'project_developer'),
  victimRole: 'viewer',
  victimResourceRole: 'project_developer',
};

const ALL_OK: Record<Operation, Outcome> = { read: 'ok', list: 'ok', members: 'ok', grant: 'ok', revoke: 'ok', delete: 'ok' };
const READ_ONLY: Record<Operation, Outcome> = { read: 'ok', list: 'ok', members: 'ok', grant: 'FORBIDDEN', revoke: 'FORBIDDEN', delete: 'FORBIDDEN' };
const UNSEEN: Record<Operation, Outcome> = { read: 'NOT_FOUND', list: 'NOT_FOUND', members: 'NOT_FOUND', grant: 'NOT_FOUND', revoke: 'NOT_FOUND', delete: 'NOT_FOUND' };

const EXPECTED: Record<string, Record<Relation, Partial<Record<Operation, Outcome>>>> = {
  owner: { granted: ALL_OK, unrelated: ALL_OK, foreign: UNSEEN },
  admin: { granted: ALL_OK, unrelated: ALL_OK, foreign: UNSEEN },
  // A Project Developer deploys and manages environments; neither they nor the org Developer role delete projects or add members.
  developer: { granted: READ_ONLY, unrelated: READ_ONLY, foreign: UNSEEN },
  // A Viewer made Project Admin has full control of that project, members included.
  viewer: { granted: ALL_OK, unrelated: READ_ONLY, foreign: UNSEEN },
  // "Developers who can only access specific projects": nothing of the others, not even their existence.
  restricted_developer: { granted: ALL_OK, unrelated: UNSEEN, foreign: UNSEEN },
};

describe('R1 R3 R19 oec projects: resource operation × org role × own/foreign organization', () => {
  it('matches the table', { timeout: 180_000 }, async () => {
    await expectMatrix(ts, OEC, EXPECTED);
  });
});
