import { describe, expect, it } from 'vitest';
import {
  ORG_OWN,
  PERMISSION_CATALOG,
  PERMISSION_KEYS,
  PRESETS,
  PRESET_KEYS,
  effectivePermissions,
  getPermission,
  getPreset,
  getRole,
  isKnownPermission,
  isKnownPermissionPattern,
  isOwnerRole,
} from '../src/index.ts';
import { SEED_TABLES } from './seed-tables.ts';

function expectedPermissions(presetKey: string, roleKey: string): string[] {
  const rows = SEED_TABLES[presetKey] ?? [];
  return PERMISSION_KEYS.filter((p) => rows.some(([, perms, roles]) => perms.includes(p) && roles.includes(roleKey)));
}

function heldPermissions(presetKey: string, roleKey: string): string[] {
  const role = getRole(getPreset(presetKey), roleKey);
  if (!role) throw new Error(`no role ${presetKey}/${roleKey}`);
  const perms = effectivePermissions([role]);
  return PERMISSION_KEYS.filter((p) => perms.has(p));
}

describe('presets', () => {
  it('lists the six presets, gatehouse first', () => {
    expect(PRESET_KEYS).toEqual(['gatehouse', 'reoclo', 'oec', 'eloquent', 'cloudtruth', 'spaces']);
  });

  it('getPreset throws a clear error listing the valid keys', () => {
    expect(() => getPreset('nope')).toThrow('Unknown permission preset "nope". Valid presets: gatehouse, reoclo, oec, eloquent, cloudtruth, spaces.');
    expect(getPreset('oec').seed).toBe('001-oec');
  });

  it('every preset has a seed table in the tests', () => {
    expect(Object.keys(SEED_TABLES).sort()).toEqual([...PRESET_KEYS].sort());
  });

  it('seed tables only name catalog permissions and preset roles', () => {
    for (const [presetKey, rows] of Object.entries(SEED_TABLES)) {
      const roleKeys = getPreset(presetKey).roles.map((r) => r.key);
      for (const [row, perms, roles] of rows) {
        expect(perms.filter((p) => !isKnownPermission(p)), `${presetKey} "${row}"`).toEqual([]);
        expect(roles.filter((r) => !roleKeys.includes(r)), `${presetKey} "${row}"`).toEqual([]);
      }
    }
  });
});

describe.each(PRESETS.map((p) => [p.key, p] as const))('preset %s', (presetKey, preset) => {
  const roleKeys = preset.roles.map((r) => r.key);
  const rows = SEED_TABLES[presetKey] ?? [];

  it('has unique role keys and an existing default role', () => {
    expect(new Set(roleKeys).size).toBe(roleKeys.length);
    expect(roleKeys).toContain(preset.defaultRoleKey);
  });

  it('roles only use catalog permissions or wildcards that match some', () => {
    for (const role of preset.roles) {
      expect(role.permissions.filter((p) => !isKnownPermissionPattern(p)), role.key).toEqual([]);
    }
  });

  it('resource roles hold only platform permissions and refer to existing roles', () => {
    for (const type of preset.policy.resourceTypes) {
      const keys = type.roles.map((r) => r.key);
      for (const role of type.roles) {
        const perms = [...effectivePermissions([role])];
        expect(perms.filter((p) => getPermission(p)?.kind !== 'platform'), `${type.key}/${role.key}`).toEqual([]);
      }
      if (type.creatorRoleKey !== undefined) expect(keys).toContain(type.creatorRoleKey);
      for (const [orgRole, resourceRole] of Object.entries(type.defaultRoleByOrgRole ?? {})) {
        expect(roleKeys).toContain(orgRole);
        expect(keys).toContain(resourceRole);
      }
    }
  });

  it('R5 at least one built-in role holds org:own, the default role does not', () => {
    const owners = preset.roles.filter(isOwnerRole).map((r) => r.key);
    expect(owners.length).toBeGreaterThan(0);
    expect(owners).not.toContain(preset.defaultRoleKey);
    if (preset.policy.ownerModel === 'none') expect(owners).toEqual(['admin']);
    else expect(owners).toEqual(['owner']);
  });

  it('leave permission is a catalog permission; bulk limit is 10 (R7)', () => {
    if (preset.policy.leave !== 'any') expect(isKnownPermission(preset.policy.leave.requiresPermission)).toBe(true);
    expect(preset.policy.bulkLimit).toBe(10);
  });

  it.each(roleKeys)(`role %s holds exactly the permissions of the ${presetKey} seed table (every catalog permission checked)`, (roleKey) => {
    expect(heldPermissions(presetKey, roleKey)).toEqual(expectedPermissions(presetKey, roleKey));
  });

  it.each(rows.map(([row, perms, roles]) => [row, perms, roles] as const))('row "%s"', (_row, perms, roles) => {
    for (const roleKey of roleKeys) {
      const held = new Set(heldPermissions(presetKey, roleKey));
      // Roles not in the row hold none of its permissions (unless another row grants them,
      // as eloquent's "admin: full access" row does).
      const fromOtherRows = new Set(expectedPermissions(presetKey, roleKey));
      for (const p of perms) expect(held.has(p), `${roleKey} ${p}`).toBe(roles.includes(roleKey) || fromOtherRows.has(p));
    }
  });
});

describe('preset policies', () => {
  const policyTable = [
    // key,        owner model, invitations, provisioning, multi roles, custom roles, transfer
    ['gatehouse', 'multiple', true, true, true, 20, false],
    ['reoclo', 'none', false, true, false, 0, false],
    ['oec', 'single', true, false, false, 0, true],
    ['eloquent', 'none', false, true, true, 20, false],
    ['cloudtruth', 'multiple', true, false, false, 0, false],
    ['spaces', 'none', false, true, false, 0, false],
  ] as const;

  it.each(policyTable)('%s: owners %s, invitations %s, provisioning %s, multi-role %s, custom roles %s, transfer %s', (key, ownerModel, invitations, provisioning, multi, custom, transfer) => {
    const { policy } = getPreset(key);
    expect(policy).toMatchObject({ ownerModel, invitations, provisioning, multipleRolesPerMembership: multi, customRoleLimit: custom, ownershipTransfer: transfer });
  });

  it('R6 oec has a single owner who moves by transfer', () => {
    const oec = getPreset('oec');
    expect(oec.policy.ownerModel).toBe('single');
    expect(oec.policy.ownershipTransfer).toBe(true);
    expect(oec.roles.filter(isOwnerRole).map((r) => r.key)).toEqual(['owner']);
  });

  it('R11 cloudtruth: only admins and owners may leave; everywhere else anyone', () => {
    for (const preset of PRESETS) {
      if (preset.key === 'cloudtruth') expect(preset.policy.leave).toEqual({ requiresPermission: 'members:invite' });
      else expect(preset.policy.leave).toBe('any');
    }
  });

  it('oec has project roles (admin on created projects), spaces has space roles (owner on created spaces)', () => {
    const project = getPreset('oec').policy.resourceTypes.find((t) => t.key === 'project');
    expect(project?.roles.map((r) => r.key)).toEqual(['project_admin', 'project_developer']);
    expect(project?.creatorRoleKey).toBe('project_admin');
    const space = getPreset('spaces').policy.resourceTypes.find((t) => t.key === 'space');
    expect(space?.roles.map((r) => r.key)).toEqual(['space_owner', 'space_editor', 'space_operator']);
    expect(space?.creatorRoleKey).toBe('space_owner');
  });

  it('cloudtruth VIEWERNOSECRETS is Viewer minus secrets:read', () => {
    const viewer = heldPermissions('cloudtruth', 'viewer');
    const noSecrets = heldPermissions('cloudtruth', 'viewer_no_secrets');
    expect(viewer.filter((p) => !noSecrets.includes(p))).toEqual(['secrets:read']);
    expect(noSecrets.every((p) => viewer.includes(p))).toBe(true);
  });

  it('eloquent admin and gatehouse owner hold the whole catalog, org:own included', () => {
    expect(heldPermissions('eloquent', 'admin')).toEqual(PERMISSION_KEYS);
    expect(heldPermissions('gatehouse', 'owner')).toEqual(PERMISSION_CATALOG.map((p) => p.key));
    expect(heldPermissions('gatehouse', 'owner')).toContain(ORG_OWN);
  });
});
