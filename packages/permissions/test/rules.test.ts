import { describe, expect, it } from 'vitest';
import {
  PERMISSION_KEYS,
  PRESETS,
  can,
  canAll,
  canOnResource,
  checkLeave,
  checkOwnerFloor,
  checkRoleChange,
  effectivePermissions,
  sortedPermissions,
  expandPermissions,
  explainPermission,
  getPreset,
  getRole,
  missingPermissions,
  validateCustomRole,
  type KeyedRole,
  type Preset,
} from '../src/index.ts';
import { SPACES_RESOURCE_TABLE } from './seed-tables.ts';

function role(preset: Preset, key: string): KeyedRole {
  const r = getRole(preset, key);
  if (!r) throw new Error(`no role ${preset.key}/${key}`);
  return r;
}
const permsOf = (preset: Preset, ...keys: string[]) => effectivePermissions(keys.map((k) => role(preset, k)));

describe('wildcards and permission sets', () => {
  it('expandPermissions expands resource:* and * against the catalog', () => {
    expect([...expandPermissions(['backups:*'])]).toEqual(['backups:read', 'backups:create', 'backups:restore']);
    expect([...expandPermissions(['*'])]).toEqual(PERMISSION_KEYS);
  });

  it('expandPermissions keeps unknown exact keys and drops wildcards of unknown resources', () => {
    expect([...expandPermissions(['legacy:thing', 'nothing:*'])]).toEqual(['legacy:thing']);
  });

  it('effectivePermissions is the union of every role held, with no duplicates', () => {
    const perms = effectivePermissions([{ permissions: ['projects:read', 'logs:read'] }, { permissions: ['projects:*'] }]);
    expect([...perms].sort()).toEqual(['logs:read', 'projects:assign', 'projects:create', 'projects:delete', 'projects:read', 'projects:update']);
    expect(effectivePermissions([]).size).toBe(0);
  });

  it('can checks one exact key; a wildcard query is not a permission', () => {
    const perms = effectivePermissions([{ permissions: ['projects:*'] }]);
    expect(can(perms, 'projects:delete')).toBe(true);
    expect(can(perms, 'environments:read')).toBe(false);
    expect(can(perms, 'projects:*')).toBe(false);
  });

  it('canAll and missingPermissions expand the required list', () => {
    const perms = effectivePermissions([{ permissions: ['projects:read', 'projects:create'] }]);
    expect(canAll(perms, ['projects:read', 'projects:create'])).toBe(true);
    expect(canAll(perms, ['projects:*'])).toBe(false);
    expect(missingPermissions(perms, ['projects:*', 'logs:read'])).toEqual(['projects:update', 'projects:delete', 'projects:assign', 'logs:read']);
    expect(canAll(perms, [])).toBe(true);
  });

  it('R2 permissions come from the roles passed in: a role change shows at the next computation', () => {
    const reoclo = getPreset('reoclo');
    expect(can(permsOf(reoclo, 'manager'), 'servers:manage')).toBe(true);
    expect(can(permsOf(reoclo, 'viewer'), 'servers:manage')).toBe(false);
  });
});

describe('checkRoleChange', () => {
  const gh = getPreset('gatehouse');
  const ct = getPreset('cloudtruth');
  const oec = getPreset('oec');
  const reoclo = getPreset('reoclo');
  const base = { actorUserId: 'u-actor', targetUserId: 'u-target' };

  it('allows an admin to change a developer into a manager', () => {
    expect(checkRoleChange({ ...base, actorPerms: permsOf(gh, 'admin'), currentRoles: [role(gh, 'developer')], nextRoles: [role(gh, 'manager')], policy: gh.policy })).toEqual([]);
  });

  it('R4 nobody changes their own roles, even an owner', () => {
    const problems = checkRoleChange({ actorUserId: 'u1', targetUserId: 'u1', actorPerms: permsOf(gh, 'owner'), currentRoles: [role(gh, 'owner')], nextRoles: [role(gh, 'admin')], policy: gh.policy });
    expect(problems.map((p) => p.code)).toEqual(['SELF_ROLE_CHANGE']);
  });

  it('R4 self change is refused even when the role set stays the same', () => {
    const problems = checkRoleChange({ actorUserId: 'u1', targetUserId: 'u1', actorPerms: permsOf(gh, 'owner'), currentRoles: [role(gh, 'owner')], nextRoles: [role(gh, 'owner')], policy: gh.policy });
    expect(problems.map((p) => p.code)).toEqual(['SELF_ROLE_CHANGE']);
  });

  it('NO_ROLES when the next set is empty', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(gh, 'admin'), currentRoles: [role(gh, 'viewer')], nextRoles: [], policy: gh.policy });
    expect(problems).toEqual([{ code: 'NO_ROLES' }]);
  });

  it('TOO_MANY_ROLES where the preset allows one role per membership (reoclo)', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(reoclo, 'admin'), currentRoles: [role(reoclo, 'viewer')], nextRoles: [role(reoclo, 'viewer'), role(reoclo, 'developer')], policy: reoclo.policy });
    expect(problems).toEqual([{ code: 'TOO_MANY_ROLES', max: 1 }]);
  });

  it('several roles per membership where the preset allows it (gatehouse)', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(gh, 'admin'), currentRoles: [role(gh, 'viewer')], nextRoles: [role(gh, 'viewer'), role(gh, 'developer')], policy: gh.policy });
    expect(problems).toEqual([]);
  });

  it('R3 admin cannot grant owner (cloudtruth: only owners grant owner)', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(ct, 'admin'), currentRoles: [role(ct, 'admin')], nextRoles: [role(ct, 'owner')], policy: ct.policy });
    expect(problems).toEqual([{ code: 'GRANT_CEILING', roleKeys: ['owner'], missing: ['org:own', 'org:update', 'org:delete', 'billing:manage'] }]);
  });

  it('R3 admin cannot take owner away (cloudtruth: admins cannot demote owners)', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(ct, 'admin'), currentRoles: [role(ct, 'owner')], nextRoles: [role(ct, 'viewer')], policy: ct.policy });
    expect(problems).toMatchObject([{ code: 'GRANT_CEILING', roleKeys: ['owner'] }]);
  });

  it('R3 admin can make a contributor an admin (cloudtruth: admins invite admins)', () => {
    expect(checkRoleChange({ ...base, actorPerms: permsOf(ct, 'admin'), currentRoles: [role(ct, 'contributor')], nextRoles: [role(ct, 'admin')], policy: ct.policy })).toEqual([]);
  });

  it('R3 owner can demote another owner (cloudtruth)', () => {
    expect(checkRoleChange({ ...base, actorPerms: permsOf(ct, 'owner'), currentRoles: [role(ct, 'owner')], nextRoles: [role(ct, 'admin')], policy: ct.policy })).toEqual([]);
  });

  it('R3 GRANT_CEILING lists every refused role, added and removed', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(gh, 'manager'), currentRoles: [role(gh, 'admin')], nextRoles: [role(gh, 'owner'), role(gh, 'viewer')], policy: gh.policy });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'GRANT_CEILING' });
    if (problems[0]?.code === 'GRANT_CEILING') {
      expect(problems[0].roleKeys).toEqual(['owner', 'admin']);
      expect(problems[0].missing).toContain('org:own');
      expect(problems[0].missing).toContain('members:update');
    }
  });

  it('R3 removing a member takes every role away: admin cannot remove an owner (cloudtruth)', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(ct, 'admin'), currentRoles: [role(ct, 'owner')], nextRoles: [], policy: ct.policy });
    expect(problems.map((p) => p.code)).toEqual(['NO_ROLES', 'GRANT_CEILING']);
  });

  it('R3 a new member (no current roles) is checked like a grant', () => {
    expect(checkRoleChange({ ...base, actorPerms: permsOf(oec, 'admin'), currentRoles: [], nextRoles: [role(oec, 'admin')], policy: oec.policy })).toEqual([]);
    expect(checkRoleChange({ ...base, actorPerms: permsOf(oec, 'admin'), currentRoles: [], nextRoles: [role(oec, 'owner')], policy: oec.policy }).map((p) => p.code)).toEqual(['GRANT_CEILING', 'SINGLE_OWNER']);
  });

  it('R6 oec: even the owner cannot hand out the owner role by a role edit (transfer instead)', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(oec, 'owner'), currentRoles: [role(oec, 'admin')], nextRoles: [role(oec, 'owner')], policy: oec.policy });
    expect(problems).toEqual([{ code: 'SINGLE_OWNER', roleKeys: ['owner'] }]);
  });

  it('R6 oec: the owner role is not taken away by a role edit either', () => {
    const problems = checkRoleChange({ ...base, actorPerms: permsOf(oec, 'owner'), currentRoles: [role(oec, 'owner')], nextRoles: [role(oec, 'admin')], policy: oec.policy });
    expect(problems).toEqual([{ code: 'SINGLE_OWNER', roleKeys: ['owner'] }]);
  });

  it('several owners (gatehouse): owner grants owner', () => {
    expect(checkRoleChange({ ...base, actorPerms: permsOf(gh, 'owner'), currentRoles: [role(gh, 'admin')], nextRoles: [role(gh, 'owner')], policy: gh.policy })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = checkRoleChange({ actorUserId: 'u1', targetUserId: 'u1', actorPerms: permsOf(reoclo, 'manager'), currentRoles: [role(reoclo, 'manager')], nextRoles: [role(reoclo, 'admin'), role(reoclo, 'viewer')], policy: reoclo.policy });
    expect(problems.map((p) => p.code)).toEqual(['SELF_ROLE_CHANGE', 'TOO_MANY_ROLES', 'GRANT_CEILING']);
  });
});

describe('R5 owner floor', () => {
  it('R5 the last owner cannot be demoted, removed, disabled or leave', () => {
    expect(checkOwnerFloor({ activeOwnerMembershipIds: ['m1'], affectedMembershipId: 'm1', keepsOwn: false })).toEqual({ ok: false, code: 'LAST_OWNER' });
  });

  it('R5 one of two owners may go', () => {
    expect(checkOwnerFloor({ activeOwnerMembershipIds: ['m1', 'm2'], affectedMembershipId: 'm1', keepsOwn: false })).toEqual({ ok: true });
  });

  it('R5 a change that keeps org:own is fine for the last owner', () => {
    expect(checkOwnerFloor({ activeOwnerMembershipIds: ['m1'], affectedMembershipId: 'm1', keepsOwn: true })).toEqual({ ok: true });
  });

  it('R5 a change to a non-owner never trips the floor', () => {
    expect(checkOwnerFloor({ activeOwnerMembershipIds: ['m1'], affectedMembershipId: 'm9', keepsOwn: false })).toEqual({ ok: true });
    expect(checkOwnerFloor({ activeOwnerMembershipIds: [], affectedMembershipId: 'm9', keepsOwn: false })).toEqual({ ok: true });
  });

  it('R5 two admins demoting the two owners one after the other (serialized by the org lock): the second fails', () => {
    const owners = ['m1', 'm2'];
    expect(checkOwnerFloor({ activeOwnerMembershipIds: owners, affectedMembershipId: 'm1', keepsOwn: false }).ok).toBe(true);
    const after = owners.filter((id) => id !== 'm1');
    expect(checkOwnerFloor({ activeOwnerMembershipIds: after, affectedMembershipId: 'm2', keepsOwn: false })).toEqual({ ok: false, code: 'LAST_OWNER' });
  });
});

describe('R11 leave', () => {
  const ct = getPreset('cloudtruth');

  it.each(['owner', 'admin'])('R11 cloudtruth %s may leave', (key) => {
    expect(checkLeave(ct.policy, permsOf(ct, key))).toEqual({ ok: true });
  });

  it.each(['contributor', 'viewer', 'viewer_no_secrets'])('R11 cloudtruth %s may not leave', (key) => {
    expect(checkLeave(ct.policy, permsOf(ct, key))).toEqual({ ok: false, code: 'LEAVE_NOT_ALLOWED', requiredPermission: 'members:invite' });
  });

  it.each(PRESETS.filter((p) => p.key !== 'cloudtruth').flatMap((p) => p.roles.map((r) => [p.key, r.key] as const)))('R11 %s %s may leave', (presetKey, roleKey) => {
    const preset = getPreset(presetKey);
    expect(checkLeave(preset.policy, permsOf(preset, roleKey))).toEqual({ ok: true });
  });

  it('R11 + R5 the only owner may leave by policy but the owner floor stops it', () => {
    expect(checkLeave(ct.policy, permsOf(ct, 'owner'))).toEqual({ ok: true });
    expect(checkOwnerFloor({ activeOwnerMembershipIds: ['me'], affectedMembershipId: 'me', keepsOwn: false })).toEqual({ ok: false, code: 'LAST_OWNER' });
  });
});

describe('R12 custom roles', () => {
  const policy = getPreset('eloquent').policy;
  const ctx = { existingNames: ['user', 'admin', 'Billing clerk'], count: 3, policy };
  const valid = { name: 'Deployer', description: 'Deploys', permissions: ['deployments:create', 'projects:*'] };
  const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

  it('R12 accepts a valid role with wildcards', () => {
    expect(validateCustomRole(valid, ctx)).toEqual([]);
  });

  it('R12 the 20th custom role is allowed, the 21st is not', () => {
    expect(validateCustomRole(valid, { ...ctx, count: 19 })).toEqual([]);
    expect(validateCustomRole(valid, { ...ctx, count: 20 })).toEqual([{ field: [], message: 'At most 20 custom roles per organization.', code: 'LIMIT_EXCEEDED' }]);
  });

  it.each(['reoclo', 'oec', 'cloudtruth', 'spaces'])('R12 %s has no custom roles', (key) => {
    expect(codes(validateCustomRole(valid, { ...ctx, count: 0, policy: getPreset(key).policy }))).toEqual(['LIMIT_EXCEEDED']);
  });

  it('R12 name is required (whitespace only counts as empty)', () => {
    expect(validateCustomRole({ ...valid, name: '   ' }, ctx)).toEqual([{ field: ['name'], message: 'Name is required.', code: 'NAME_REQUIRED' }]);
  });

  it('R12 name is 1 to 64 characters', () => {
    expect(validateCustomRole({ ...valid, name: 'x' }, ctx)).toEqual([]);
    expect(validateCustomRole({ ...valid, name: 'x'.repeat(64) }, ctx)).toEqual([]);
    expect(codes(validateCustomRole({ ...valid, name: 'x'.repeat(65) }, ctx))).toEqual(['NAME_TOO_LONG']);
  });

  it('R12 names are unique, case-insensitive, built-in names included', () => {
    expect(validateCustomRole({ ...valid, name: 'ADMIN' }, ctx)).toEqual([{ field: ['name'], message: 'A role named "admin" already exists.', code: 'NAME_TAKEN' }]);
    expect(codes(validateCustomRole({ ...valid, name: ' billing CLERK ' }, ctx))).toEqual(['NAME_TAKEN']);
  });

  it('R12 description is at most 500 characters', () => {
    expect(validateCustomRole({ ...valid, description: 'd'.repeat(500) }, ctx)).toEqual([]);
    expect(validateCustomRole({ ...valid, description: 'd'.repeat(501) }, ctx)[0]?.field).toEqual(['description']);
  });

  it('R12 permissions must come from the catalog (field path names the entry)', () => {
    expect(validateCustomRole({ ...valid, permissions: ['projects:read', 'projects:fly', 'nothing:*'] }, ctx)).toEqual([
      { field: ['permissions', '1'], message: 'Unknown permission "projects:fly".', code: 'UNKNOWN_PERMISSION' },
      { field: ['permissions', '2'], message: 'Unknown permission "nothing:*".', code: 'UNKNOWN_PERMISSION' },
    ]);
  });

  it.each(['org:own', 'org:*', '*'])('R12 a custom role never holds org:own (%s)', (p) => {
    expect(validateCustomRole({ ...valid, permissions: ['projects:read', p] }, ctx)).toEqual([
      { field: ['permissions', '1'], message: 'A custom role cannot hold org:own.', code: 'OWNER_PERMISSION' },
    ]);
  });

  it('R12 a role without permissions is allowed (apps may check the role itself)', () => {
    expect(validateCustomRole({ name: 'Marker', permissions: [] }, ctx)).toEqual([]);
  });

  it('R12 reports every issue at once', () => {
    expect(codes(validateCustomRole({ name: 'user', permissions: ['org:own'] }, { ...ctx, count: 20 }))).toEqual(['LIMIT_EXCEEDED', 'NAME_TAKEN', 'OWNER_PERMISSION']);
  });
});

describe('resource access: spaces (seed 004)', () => {
  const spaces = getPreset('spaces');
  const spaceType = spaces.policy.resourceTypes.find((t) => t.key === 'space')!;
  const spaceRole = (key: string) => spaceType.roles.find((r) => r.key === key)!;
  const SPACE_PERMS = PERMISSION_KEYS.filter((p) => p.startsWith('spaces:'));

  // The API grants the creator role on create and the default role of the assignee's org role on assign.
  function resourcePerms(orgRole: string, relation: 'creator' | 'assigned' | 'none'): string[] {
    if (relation === 'creator') return [...spaceRole(spaceType.creatorRoleKey!).permissions];
    if (relation === 'assigned') {
      const key = spaceType.defaultRoleByOrgRole?.[orgRole];
      return key ? [...spaceRole(key).permissions] : [];
    }
    return [];
  }

  it.each(SPACES_RESOURCE_TABLE.flatMap(([orgRole, relation, allowed]) => SPACE_PERMS.map((p) => [orgRole, relation, allowed.includes(p) ? 'can' : 'cannot', p] as const)))(
    '%s on a space (%s) %s %s',
    (orgRole, relation, verb, permission) => {
      const access = { orgPerms: permsOf(spaces, orgRole), resourceRolePerms: resourcePerms(orgRole, relation) };
      expect(canOnResource(access, permission)).toBe(verb === 'can');
    },
  );

  it('editor creates spaces but sees no space they neither created nor were assigned to', () => {
    const access = { orgPerms: permsOf(spaces, 'editor'), resourceRolePerms: [] };
    expect(canOnResource(access, 'spaces:create')).toBe(true);
    expect(canOnResource(access, 'spaces:read')).toBe(false);
  });

  it('operator assigned to a space gets its login information but cannot start or change it', () => {
    const access = { orgPerms: permsOf(spaces, 'operator'), resourceRolePerms: resourcePerms('operator', 'assigned') };
    expect(canOnResource(access, 'spaces:read')).toBe(true);
    expect(canOnResource(access, 'spaces:start')).toBe(false);
    expect(canOnResource(access, 'spaces:assign')).toBe(false);
  });
});

describe('resource access: oec projects (seed 001)', () => {
  const oec = getPreset('oec');
  const projectType = oec.policy.resourceTypes.find((t) => t.key === 'project')!;
  const projectPerms = (key: string) => projectType.roles.find((r) => r.key === key)!.permissions;

  const table = [
    // org role, project role, permission, expected
    ['viewer', null, 'deployments:create', false],
    ['viewer', 'project_developer', 'deployments:create', true],
    ['viewer', 'project_developer', 'environments:create', true],
    ['viewer', 'project_developer', 'backups:create', true],
    ['viewer', 'project_developer', 'environments:delete', false],
    ['viewer', 'project_developer', 'backups:restore', false],
    ['viewer', 'project_admin', 'environments:delete', true],
    ['viewer', 'project_admin', 'backups:restore', true],
    ['viewer', 'project_admin', 'projects:delete', true],
    ['viewer', 'project_admin', 'servers:manage', false],
    ['developer', null, 'deployments:create', true],
    ['developer', null, 'backups:restore', false],
    ['developer', 'project_admin', 'backups:restore', true],
    ['admin', null, 'backups:restore', true],
    ['owner', null, 'environments:delete', true],
  ] as const;

  it.each(table)('org %s with project role %s: %s → %s', (orgRole, projectRole, permission, expected) => {
    const access = { orgPerms: permsOf(oec, orgRole), resourceRolePerms: projectRole ? projectPerms(projectRole) : [] };
    expect(canOnResource(access, permission)).toBe(expected);
  });

  it('the creator of a project holds Project Admin on it', () => {
    expect(projectType.creatorRoleKey).toBe('project_admin');
    const access = { orgPerms: permsOf(oec, 'developer'), resourceRolePerms: projectPerms(projectType.creatorRoleKey!) };
    expect(canOnResource(access, 'environments:delete')).toBe(true);
  });
});

describe('explainPermission', () => {
  it('names the roles that grant a permission', () => {
    expect(explainPermission(getPreset('cloudtruth').roles, 'secrets:read').map((r) => r.key)).toEqual(['owner', 'admin', 'contributor', 'viewer']);
    expect(explainPermission(getPreset('oec').roles, 'billing:manage').map((r) => r.name)).toEqual(['Owner']);
  });

  it('expands wildcards and returns nothing for an unknown permission', () => {
    expect(explainPermission(getPreset('gatehouse').roles, 'org:own').map((r) => r.key)).toEqual(['owner']);
    expect(explainPermission(getPreset('gatehouse').roles, 'nope:nope')).toEqual([]);
  });
});

describe('effective permissions are read from the roles as they are now (R2)', () => {
  it('R2 a role whose permissions changed expands to the new set at once; equal lists share one expansion', () => {
    const role = { permissions: ['members:read'] };
    const before = effectivePermissions([role]);
    expect([...before]).toEqual(['members:read']);
    role.permissions = ['members:*'];
    const after = effectivePermissions([role]);
    expect(after.has('members:read')).toBe(true);
    expect(after.has('members:remove')).toBe(true);
    expect(effectivePermissions([{ permissions: ['members:*'] }])).toBe(after);
    expect(sortedPermissions(after)).toEqual([...after].sort());
    expect(Object.isFrozen(sortedPermissions(after))).toBe(true);
  });
});
