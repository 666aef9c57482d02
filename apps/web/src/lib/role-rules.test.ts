import { describe, expect, it } from 'vitest';
import { expandPermissions, getPreset } from '@gatehouse/permissions';
import { addRoleReason, presetDefaultRole, memberActionReason, roleToggleReason, type RoleToggleContext } from './role-rules.ts';

const preset = getPreset('gatehouse');
const roles = preset.roles.map((r) => ({ ...r, id: `id-${r.key}` }));
const role = (key: string) => roles.find((r) => r.key === key)!;
const permsOf = (key: string) => expandPermissions(role(key).permissions);

function ctx(over: Partial<RoleToggleContext> = {}): RoleToggleContext {
  return {
    actorUserId: 'actor',
    targetUserId: 'target',
    actorPerms: permsOf('owner'),
    currentRoleIds: new Set(['id-viewer']),
    ownerHolderCount: 2,
    ownerModel: 'multiple',
    ...over,
  };
}

describe('roleToggleReason', () => {
  it('lets an owner change any role of someone else', () => {
    for (const r of roles) expect(roleToggleReason(r, ctx())).toBeNull();
  });

  it('R4: nobody changes their own roles', () => {
    expect(roleToggleReason(role('viewer'), ctx({ targetUserId: 'actor' }))?.code).toBe('SELF');
  });

  it('R3: an admin grants admin but not owner', () => {
    const admin = ctx({ actorPerms: permsOf('admin') });
    expect(roleToggleReason(role('admin'), admin)).toBeNull();
    expect(roleToggleReason(role('owner'), admin)?.code).toBe('OWNER_ONLY');
  });

  it('R3: a role beyond the actor’s own permissions is refused with the missing ones', () => {
    const manager = ctx({ actorPerms: new Set([...permsOf('manager'), 'members:update']) });
    const reason = roleToggleReason(role('admin'), manager);
    expect(reason?.code).toBe('CEILING');
    expect(reason && 'missing' in reason ? reason.missing : []).toContain('members:invite');
  });

  it('needs members:update at all', () => {
    expect(roleToggleReason(role('viewer'), ctx({ actorPerms: permsOf('viewer') }))?.code).toBe('NO_PERMISSION');
  });

  it('R5: the last owner keeps the owner role', () => {
    const last = ctx({ currentRoleIds: new Set(['id-owner']), ownerHolderCount: 1 });
    expect(roleToggleReason(role('owner'), last)?.code).toBe('LAST_OWNER');
    expect(roleToggleReason(role('owner'), { ...last, ownerHolderCount: 2 })).toBeNull();
    // Granting owner to a non-owner is fine even with one owner.
    expect(roleToggleReason(role('owner'), ctx({ ownerHolderCount: 1 }))).toBeNull();
  });

  it('R6: with a single owner, ownership moves by transfer only', () => {
    const oec = getPreset('oec');
    const owner = { ...oec.roles.find((r) => r.key === 'owner')!, id: 'o' };
    expect(roleToggleReason(owner, ctx({ ownerModel: 'single' }))?.code).toBe('SINGLE_OWNER');
  });
});

describe('addRoleReason and presetDefaultRole', () => {
  it('an admin may add members with any role but the top one', () => {
    const perms = permsOf('admin');
    expect(addRoleReason(role('developer'), { actorPerms: perms, ownerModel: 'multiple' })).toBeNull();
    expect(addRoleReason(role('owner'), { actorPerms: perms, ownerModel: 'multiple' })?.code).toBe('OWNER_ONLY');
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

describe('memberActionReason', () => {
  it('R5: the last owner cannot be removed', () => {
    const reason = memberActionReason('remove', { userId: 't', roles: [role('owner')] }, { actorUserId: 'a', actorPerms: permsOf('owner'), ownerHolderCount: 1 });
    expect(reason).toMatch(/last owner/);
  });

  it('R3: an admin cannot remove an owner', () => {
    const reason = memberActionReason('remove', { userId: 't', roles: [role('owner')] }, { actorUserId: 'a', actorPerms: permsOf('admin'), ownerHolderCount: 3 });
    expect(reason).toMatch(/top role/);
  });

  it('an admin removes a developer', () => {
    expect(memberActionReason('remove', { userId: 't', roles: [role('developer')] }, { actorUserId: 'a', actorPerms: permsOf('admin') })).toBeNull();
  });
});
