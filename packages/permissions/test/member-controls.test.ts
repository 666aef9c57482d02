// The reasons a UI shows next to a disabled member control come from the rule functions the API
// runs (checkRoleChange, checkOwnerFloor); these tests pin the words to each rule.
import { describe, expect, it } from 'vitest';
import { addRoleReason, expandPermissions, getPreset, memberActionReason, presetDefaultRole, roleToggleReason, type RoleControlContext } from '../src/index.ts';

const preset = getPreset('gatehouse');
const roles = preset.roles.map((r) => ({ ...r, id: `id-${r.key}` }));
const role = (key: string) => roles.find((r) => r.key === key)!;
const permsOf = (key: string) => expandPermissions(role(key).permissions);

function ctx(over: Partial<RoleControlContext> = {}): RoleControlContext {
  return {
    actorUserId: 'actor',
    targetUserId: 'target',
    membershipId: 'm-target',
    actorPerms: permsOf('owner'),
    currentRoles: [role('viewer')],
    activeOwnerMembershipIds: ['m-actor', 'm-other'],
    policy: preset.policy,
    ...over,
  };
}

describe('roleToggleReason', () => {
  it('an owner may change any role of someone else', () => {
    for (const r of roles) expect(roleToggleReason(r, ctx(), roles)).toBeNull();
  });

  it('R4: nobody changes their own roles', () => {
    expect(roleToggleReason(role('admin'), ctx({ targetUserId: 'actor' }))?.code).toBe('SELF');
  });

  it('R3: an admin grants admin but not owner', () => {
    const admin = ctx({ actorPerms: permsOf('admin') });
    expect(roleToggleReason(role('admin'), admin)).toBeNull();
    const reason = roleToggleReason(role('owner'), admin, roles);
    expect(reason?.code).toBe('OWNER_ONLY');
    expect(reason?.message).toBe('Only holders of the top role can grant or take away Owner.');
  });

  it('R3: a role beyond the actor’s permissions names what is missing', () => {
    const manager = ctx({ actorPerms: new Set([...permsOf('manager'), 'members:update']) });
    const reason = roleToggleReason(role('admin'), manager, roles);
    expect(reason?.code).toBe('CEILING');
    expect(reason?.missing).toContain('members:remove');
  });

  it('changing roles needs members:update', () => {
    expect(roleToggleReason(role('viewer'), ctx({ actorPerms: permsOf('viewer') }))?.code).toBe('NO_PERMISSION');
  });

  it('R5: the last active owner keeps the owner role; counted like the API (active owner memberships)', () => {
    const last = ctx({ currentRoles: [role('owner')], membershipId: 'm-target', activeOwnerMembershipIds: ['m-target'] });
    const reason = roleToggleReason(role('owner'), last, roles);
    expect(reason?.code).toBe('LAST_OWNER');
    expect(reason?.message).toBe("This is the organization's only Owner: another user must be made Owner first.");
    expect(roleToggleReason(role('owner'), { ...last, activeOwnerMembershipIds: ['m-target', 'm-actor'] }, roles)).toBeNull();
    // A disabled owner is not among the active owners: taking the role from them never hits the floor.
    expect(roleToggleReason(role('owner'), { ...last, activeOwnerMembershipIds: ['m-actor'] }, roles)).toBeNull();
    // Unknown owner facts: the API answers.
    expect(roleToggleReason(role('owner'), { ...last, activeOwnerMembershipIds: undefined }, roles)).toBeNull();
  });

  it('R6: with a single owner, ownership moves by transfer only; one role per member means choosing replaces', () => {
    const oec = getPreset('oec');
    const oecRoles = oec.roles.map((r) => ({ ...r, id: `o-${r.key}` }));
    const owner = oecRoles.find((r) => r.key === 'owner')!;
    const viewer = oecRoles.find((r) => r.key === 'viewer')!;
    const developer = oecRoles.find((r) => r.key === 'developer')!;
    const c = ctx({ policy: oec.policy, currentRoles: [viewer], actorPerms: expandPermissions(owner.permissions) });
    expect(roleToggleReason(owner, c, oecRoles)?.code).toBe('SINGLE_OWNER');
    expect(roleToggleReason(developer, c, oecRoles)).toBeNull();
    expect(roleToggleReason(viewer, c, oecRoles)).toBeNull();
  });
});

describe('memberActionReason', () => {
  const base = { actorUserId: 'actor', actorPerms: permsOf('owner'), activeOwnerMembershipIds: ['m-target'], policy: preset.policy };

  it('R5: the last owner cannot be removed or disabled', () => {
    const target = { userId: 't', membershipId: 'm-target', roles: [role('owner')] };
    expect(memberActionReason('remove', target, base)?.code).toBe('LAST_OWNER');
    expect(memberActionReason('disable', target, base)?.code).toBe('LAST_OWNER');
    expect(memberActionReason('remove', target, { ...base, activeOwnerMembershipIds: ['m-target', 'm-actor'] })).toBeNull();
  });

  it('R3: an admin cannot remove an owner; removes a developer', () => {
    const admin = { ...base, actorPerms: permsOf('admin'), activeOwnerMembershipIds: ['a', 'b'] };
    expect(memberActionReason('remove', { userId: 't', roles: [role('owner')] }, admin)?.message).toMatch(/top role can remove Owner/);
    expect(memberActionReason('remove', { userId: 't', roles: [role('developer')] }, admin)).toBeNull();
  });

  it('needs members:remove to remove and members:update to disable; nobody disables themselves', () => {
    const viewer = { ...base, actorPerms: permsOf('viewer') };
    expect(memberActionReason('remove', { userId: 't', roles: [role('viewer')] }, viewer)?.message).toBe('Needs the members:remove permission.');
    expect(memberActionReason('disable', { userId: 't', roles: [role('viewer')] }, viewer)?.message).toBe('Needs the members:update permission.');
    expect(memberActionReason('disable', { userId: 'actor', roles: [role('viewer')] }, base)?.code).toBe('SELF');
  });
});

describe('addRoleReason and presetDefaultRole', () => {
  it('R3: an admin adds members with any role but the top one', () => {
    const c = { actorPerms: permsOf('admin'), policy: preset.policy };
    expect(addRoleReason(role('developer'), c)).toBeNull();
    expect(addRoleReason(role('owner'), c)?.code).toBe('OWNER_ONLY');
  });

  it('R6: a single-owner preset never gives the owner role to a new member', () => {
    const oec = getPreset('oec');
    const owner = { ...oec.roles.find((r) => r.key === 'owner')!, id: 'o' };
    expect(addRoleReason(owner, { actorPerms: expandPermissions(owner.permissions), policy: oec.policy })?.code).toBe('SINGLE_OWNER');
  });

  it("R7/R8: the preset's default built-in role, never a custom role with fewer permissions", () => {
    const builtin = roles.map((r) => ({ ...r, builtin: true }));
    const custom = [
      { id: 'c1', key: 'auditor', name: 'Auditor', permissions: ['audit:read'], builtin: false },
      { id: 'c2', key: 'team_role_1', name: 'Team role 1', permissions: [], builtin: false },
    ];
    expect(presetDefaultRole([...custom, ...builtin], 'gatehouse', () => true)?.key).toBe('viewer');
    expect(presetDefaultRole(custom, 'gatehouse', () => true)).toBeUndefined();
  });
});
