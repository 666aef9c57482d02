/**
 * R12 built-in roles follow the active preset at every start (modules/roles/role.service.ts
 * syncBuiltinRoles), in two set-based statements whatever the number of organizations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPreset } from '@gatehouse/permissions';
import { emOf, observeStatements } from '../src/db/orm.ts';
import { syncBuiltinRoles } from '../src/modules/roles/role.service.ts';
import { addMember, createOrg, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

interface RoleRow {
  key: string;
  name: string;
  permissions: string[];
  builtin: boolean;
  position: number;
}

async function rolesOf(orgId: string): Promise<Map<string, RoleRow>> {
  const rows = await emOf(ts.orm).execute<RoleRow[]>(`select key, name, permissions, builtin, position from role where org_id = ?`, [orgId]);
  return new Map(rows.map((r) => [r.key, r]));
}

describe('built-in roles follow the preset (R12)', () => {
  it('restores drifted roles, adds missing ones, drops unheld stale ones, keeps held ones and custom roles', async () => {
    const preset = getPreset('gatehouse');
    const org = await createOrg(ts, 'Drifted');
    const other = await createOrg(ts, 'Untouched');
    const em = emOf(ts.orm);
    const [first, second] = preset.roles;
    await em.execute(`update role set name = 'Renamed', permissions = '{}', position = 99 where org_id = ? and key = ?`, [org.id, first!.key]);
    await em.execute(`delete from role where org_id = ? and key = ?`, [org.id, second!.key]);
    await em.execute(`insert into role (id, org_id, key, name, permissions, builtin) values (gen_random_uuid(), ?, 'legacy_unheld', 'Legacy unheld', '{}', true)`, [org.id]);
    await em.execute(`insert into role (id, org_id, key, name, permissions, builtin) values (gen_random_uuid(), ?, 'legacy_held', 'Legacy held', '{members:read}', true)`, [org.id]);
    await em.execute(`insert into role (id, org_id, key, name, permissions, builtin) values (gen_random_uuid(), ?, 'custom_auditors', 'Auditors', '{audit:read}', false)`, [org.id]);
    await addMember(ts, org.id, ['legacy_held']);
    const before = await rolesOf(other.id);

    let statements = 0;
    const stop = observeStatements(() => {
      statements += 1;
    });
    try {
      await syncBuiltinRoles(emOf(ts.orm), preset);
    } finally {
      stop();
    }

    const after = await rolesOf(org.id);
    preset.roles.forEach((def, position) => {
      const role = after.get(def.key);
      expect(role, def.key).toMatchObject({ name: def.name, builtin: true, position });
      expect([...role!.permissions].sort()).toEqual([...def.permissions].sort());
    });
    expect(after.has('legacy_unheld')).toBe(false);
    expect(after.get('legacy_held')?.builtin).toBe(true);
    expect(after.get('custom_auditors')).toMatchObject({ name: 'Auditors', builtin: false, permissions: ['audit:read'] });
    expect(await rolesOf(other.id)).toEqual(before);
    // BEGIN, two statements, COMMIT: the same for ten organizations or ten thousand.
    expect(statements).toBeLessThanOrEqual(4);
  });
});
