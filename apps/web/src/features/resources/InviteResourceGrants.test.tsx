// The invitation dialog's resource grants (R8 + R19): which grants @gatehouse/permissions allows the
// inviter to attach, with the reason for the others (the dialog itself: ../invitations/InviteDialog.test.tsx).
import { describe, expect, it } from 'vitest';
import { expandPermissions, getPreset } from '@gatehouse/permissions';
import { defaultInviteRole, inviteGrantIssues, inviteGrantLabels, inviteGrantOptions } from './resource-ui-rules.ts';

const oec = getPreset('oec');
const spaces = getPreset('spaces');
const permsOf = (preset: typeof oec, key: string) => [...preset.roles.find((r) => r.key === key)!.permissions];
const projectRole = (key: string) => [...oec.policy.resourceTypes[0]!.roles.find((r) => r.key === key)!.permissions];

describe('inviteGrantOptions (the shared rules, the invitee standing in for the grantee)', () => {
  it('R19 cap: a Spaces admin inviting an Operator is offered only space_operator, the others say why', () => {
    const admin = expandPermissions(permsOf(spaces, 'admin'));
    const [option] = inviteGrantOptions('spaces', [{ id: 's1', name: 'Alpha', type: 'space', viewerPermissions: [...admin] }], admin, ['operator']);
    expect(option!.reason).toBeNull();
    expect(option!.roles.map((r) => [r.value, r.disabled])).toEqual([
      ['space_owner', true],
      ['space_editor', true],
      ['space_operator', false],
    ]);
    expect(option!.roles[0]!.reason).toBe('Their organization role allows at most space_operator on a space.');
    expect(defaultInviteRole(option!)).toBe('space_operator');
    // The same invitation for an Editor admits space_editor and space_owner too.
    const [forEditor] = inviteGrantOptions('spaces', [{ id: 's1', name: 'Alpha', type: 'space', viewerPermissions: [...admin] }], admin, ['editor']);
    expect(forEditor!.roles.filter((r) => !r.disabled).map((r) => r.value)).toEqual(['space_owner', 'space_editor', 'space_operator']);
  });

  it('R3 ceiling: who manages members but holds only Project Developer on a project cannot give Project Admin there', () => {
    const orgPerms = expandPermissions(['org:read', 'members:read', 'members:invite', 'members:update']);
    const [option] = inviteGrantOptions('oec', [{ id: 'p1', name: 'Shop', type: 'project', viewerPermissions: ['org:read', 'members:read', 'members:invite', 'members:update', ...projectRole('project_developer')] }], orgPerms, ['restricted_developer']);
    expect(option!.roles.find((r) => r.value === 'project_admin')).toMatchObject({ disabled: true });
    expect(option!.roles.find((r) => r.value === 'project_admin')!.reason).toMatch(/^You cannot grant or take away project_admin: it holds permissions you do not have on this project/);
    expect(option!.roles.find((r) => r.value === 'project_developer')).toMatchObject({ disabled: false, reason: null });
  });

  it('who neither manages members nor may assign on the project is offered nothing there; unknown types are left out', () => {
    const orgPerms = expandPermissions(['org:read', 'members:read', 'members:invite']);
    const options = inviteGrantOptions('oec', [
      { id: 'p1', name: 'Shop', type: 'project', viewerPermissions: ['members:invite', ...projectRole('project_admin')] },
      { id: 'p2', name: 'Blog', type: 'project', viewerPermissions: ['members:invite', ...projectRole('project_developer')] },
      { id: 'x1', name: 'Odd', type: 'server', viewerPermissions: [] },
    ], orgPerms, ['restricted_developer']);
    expect(options.map((o) => o.resource.id)).toEqual(['p1', 'p2']);
    expect(options[0]!.reason).toBeNull();
    expect(options[1]!.reason).toBe('Only members who manage members, or may assign users on this project, change its members.');
    expect(options[1]!.roles.every((r) => r.disabled)).toBe(true);
  });

  it('inviteGrantIssues: a role no longer allowed after the invited role changed, a resource twice, a resource not managed', () => {
    const admin = expandPermissions(permsOf(spaces, 'admin'));
    const resources = [
      { id: 's1', name: 'Alpha', type: 'space', viewerPermissions: [...admin] },
      { id: 's2', name: 'Beta', type: 'space', viewerPermissions: [...admin] },
    ];
    const drafts = [
      { resourceId: 's1', roleKey: 'space_editor' },
      { resourceId: 's1', roleKey: 'space_operator' },
      { resourceId: 'gone', roleKey: 'space_operator' },
      { resourceId: 's2', roleKey: 'space_operator' },
    ];
    expect([...inviteGrantIssues(inviteGrantOptions('spaces', resources, admin, ['editor']), drafts).keys()]).toEqual([1, 2]);
    const forOperator = inviteGrantIssues(inviteGrantOptions('spaces', resources, admin, ['operator']), drafts);
    expect(forOperator.get(0)).toBe('Their organization role allows at most space_operator on a space.');
    expect(forOperator.get(1)).toBe('This space is in the list twice.');
    expect(forOperator.get(2)).toBe('Choose a resource you manage.');
    expect(forOperator.has(3)).toBe(false);
  });
});

describe('inviteGrantLabels (the invitation list)', () => {
  it('R1 names the resources the API named and says so for the others (a null name from the API)', () => {
    expect(
      inviteGrantLabels('oec', [
        { resourceType: 'project', resourceName: 'Shop', roleKey: 'project_developer' },
        { resourceType: 'project', resourceName: null, roleKey: 'project_admin' },
      ]),
    ).toEqual(['Shop: Project Developer', 'a project you cannot see: Project Admin']);
  });
});
