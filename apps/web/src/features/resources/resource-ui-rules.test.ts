import { describe, expect, it } from 'vitest';
import { effectivePermissions, getPreset, permissionsOnResource, type Preset } from '@gatehouse/permissions';
import { createReason, deleteReason, manageReason, removeReason, renameReason, resourceTypeOf, resourceTypesOf, roleChoices } from './resource-ui-rules.ts';

const spaces = getPreset('spaces');
const oec = getPreset('oec');
const SPACE = resourceTypeOf('spaces', 'space')!;
const PROJECT = resourceTypeOf('oec', 'project')!;
const orgPerms = (p: Preset, role: string) => effectivePermissions([p.roles.find((r) => r.key === role)!]);
const on = (p: Preset, role: string, held: string[]) => permissionsOnResource(orgPerms(p, role), { def: p.policy.resourceTypes[0]!, orgRoleKeys: [role], roleKeys: held });

describe('resource screens: controls follow @gatehouse/permissions', () => {
  it('one navigation entry per resource type of the preset, none elsewhere', () => {
    expect(resourceTypesOf('oec').map((t) => t.pluralName)).toEqual(['Projects']);
    expect(resourceTypesOf('spaces').map((t) => t.pluralName)).toEqual(['Spaces']);
    expect(resourceTypesOf('gatehouse')).toEqual([]);
    expect(resourceTypesOf('no-such-preset')).toEqual([]);
  });

  it('R19 an Editor who created a space choosing a role for an Operator: only Space operator is enabled, the others say why', () => {
    const choices = roleChoices({
      def: SPACE, actorMembershipId: 'editor', targetMembershipId: 'operator',
      actorOrgPerms: orgPerms(spaces, 'editor'), actorPermsOnResource: on(spaces, 'editor', ['space_owner']),
      targetOrgRoleKeys: ['operator'], currentRoleKey: null,
    });
    expect(choices.map((c) => [c.value, c.disabled])).toEqual([['space_owner', true], ['space_editor', true], ['space_operator', false]]);
    expect(choices[1]!.reason).toBe('Their organization role allows at most space_operator on a space.');
  });

  it('R4 every role is disabled for oneself, with the reason', () => {
    const choices = roleChoices({
      def: PROJECT, actorMembershipId: 'me', targetMembershipId: 'me',
      actorOrgPerms: orgPerms(oec, 'admin'), actorPermsOnResource: on(oec, 'admin', []),
      targetOrgRoleKeys: ['admin'], currentRoleKey: 'project_developer',
    });
    expect(choices.find((c) => c.value === 'project_admin')).toMatchObject({ disabled: true, reason: 'Nobody changes their own roles in this project: ask another member who manages them.' });
    expect(removeReason({ def: PROJECT, actorMembershipId: 'me', targetMembershipId: 'me', actorOrgPerms: orgPerms(oec, 'admin'), actorPermsOnResource: on(oec, 'admin', []), targetOrgRoleKeys: ['admin'], currentRoleKey: 'project_developer' }))
      .toBe('Nobody changes their own roles in this project: ask another member who manages them.');
  });

  it('rename: the type\'s rename permission on the resource (Spaces: the space owner and Admins; OEC: projects:update)', () => {
    expect(renameReason(SPACE, on(spaces, 'editor', ['space_owner']))).toBeNull();
    expect(renameReason(SPACE, on(spaces, 'admin', []))).toBeNull();
    expect(renameReason(SPACE, on(spaces, 'editor', ['space_editor']))).toBe('You cannot rename this space (spaces:assign).');
    expect(renameReason(SPACE, on(spaces, 'operator', ['space_operator']))).toBe('You cannot rename this space (spaces:assign).');
    expect(renameReason(PROJECT, on(oec, 'developer', []))).toBeNull();
    expect(renameReason(PROJECT, on(oec, 'viewer', []))).toBe('You cannot rename this project (projects:update).');
  });

  it('create, delete and manage: who may, and the reason for who may not', () => {
    expect(createReason(SPACE, orgPerms(spaces, 'editor'))).toBeNull();
    expect(createReason(SPACE, orgPerms(spaces, 'operator'))).toBe('Your role cannot create a space (spaces:create).');
    expect(deleteReason(SPACE, on(spaces, 'operator', ['space_operator']))).toBe('You cannot delete this space (spaces:delete).');
    expect(deleteReason(SPACE, on(spaces, 'editor', ['space_editor']))).toBeNull();
    // OEC: a Project Admin manages the members of their project; a Project Developer does not.
    expect(manageReason(PROJECT, orgPerms(oec, 'restricted_developer'), on(oec, 'restricted_developer', ['project_admin']))).toBeNull();
    expect(manageReason(PROJECT, orgPerms(oec, 'developer'), on(oec, 'developer', ['project_developer']))).toMatch(/Only members who manage members/);
  });
});
