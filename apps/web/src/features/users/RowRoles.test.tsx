// The row role selector where the preset allows one role (OEC: single owner, one role per member):
// a native select whose unavailable choices carry the reason from @gatehouse/permissions. The
// browser spec runs the default preset (several roles: the popover), so this mode is proven here.
import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expandPermissions, getPreset, memberActionReason, roleChangeReason, roleToggleReason, type RoleControlContext } from '@gatehouse/permissions';
import { maskFragments, unsafe_readResult } from 'gql.tada';
import { readFragment } from '../../graphql/graphql.ts';
import { RowRoles, RowRolesFields, type RowRolesMember } from './RowRoles.tsx';
import type { MemberControls } from './controls.ts';
import { MemberControlFields, type ControlledMember, type OrgRole } from './queries.ts';
import { mockClient, renderWith } from '../../test/render.tsx';

const oec = getPreset('oec');
const roles: OrgRole[] = oec.roles.map((r) => ({ id: r.key, key: r.key, name: r.name, description: r.description, permissions: [...r.permissions], builtin: true, memberCount: 0 }));
const role = (key: string) => roles.find((r) => r.key === key)!;

function memberData(userId: string, roleKey: string) {
  const { id, key, name, permissions } = role(roleKey);
  return {
    id: `m-${userId}`,
    user: { id: userId, email: `${userId}@example.com`, firstName: userId, lastName: 'Test', displayName: '' },
    roles: [{ id, key, name, permissions }],
  };
}

/** The row's member as the table passes it: masked to the selector's fragment (whose roles spread another). */
const member = (userId: string, roleKey: string): RowRolesMember => maskFragments([RowRolesFields], unsafe_readResult(RowRolesFields, memberData(userId, roleKey)));

/** Controls for an OEC owner, built from the package's functions as useMemberControls builds them. */
function ownerControls(): MemberControls {
  const actorPerms = expandPermissions(role('owner').permissions);
  const ctx = (data: ControlledMember): RoleControlContext => {
    const m = readFragment(MemberControlFields, data);
    return { actorUserId: 'owner', actorPerms, targetUserId: m.user.id, membershipId: m.id, currentRoles: m.roles, activeOwnerMembershipIds: ['m-owner'], policy: oec.policy };
  };
  return {
    multiple: false, mayUpdate: true, mayRemove: true, isPlatformAdmin: false, viewerId: 'owner',
    roleContext: ctx,
    toggleReason: (m, r) => roleToggleReason(r, ctx(m), roles),
    changeReason: (m, next) => roleChangeReason(next, ctx(m), roles),
    actionReason: (a, data) => {
      const m = readFragment(MemberControlFields, data);
      return memberActionReason(a, { userId: m.user.id, membershipId: m.id, roles: m.roles }, { actorUserId: 'owner', actorPerms, activeOwnerMembershipIds: ['m-owner'], policy: oec.policy });
    },
  };
}

describe('RowRoles with one role per member', () => {
  it('R6: a select; the owner role is off with the reason, another role is set with one mutation', async () => {
    const { client, calls } = mockClient((name, v) =>
      name === 'SetMemberRoles' ? { setMemberRoles: { __typename: 'Membership', ...memberData('dev', String((v.roleIds as string[])[0])), organization: { id: 'org-1' } } } : undefined,
    );
    renderWith(<RowRoles member={member('dev', 'viewer')} roles={roles} controls={ownerControls()} />, { client });
    const select = screen.getByRole('combobox', { name: 'Role of dev@example.com' });
    expect(select).toHaveValue('viewer');
    const owner = screen.getByRole('option', { name: /^Owner \(This organization has exactly one owner: ownership moves by transfer\.\)$/ });
    expect(owner).toBeDisabled();
    expect(screen.getByRole('option', { name: 'Developer' })).toBeEnabled();
    await userEvent.selectOptions(select, 'developer');
    expect(calls.find((c) => c.name === 'SetMemberRoles')?.variables).toEqual({ membershipId: 'm-dev', roleIds: ['developer'] });
  });

  it('R4: your own row is a disabled select that says why', () => {
    renderWith(<RowRoles member={member('owner', 'owner')} roles={roles} controls={ownerControls()} />, { client: mockClient(() => undefined).client });
    expect(screen.getByRole('combobox', { name: 'Role of owner@example.com' })).toBeDisabled();
    expect(screen.getByText('You cannot change your own roles. Another administrator has to do it.')).toBeInTheDocument();
  });
});
