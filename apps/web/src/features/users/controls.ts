// What the viewer may do to each member of the open organization, and why not: contexts for the
// rule functions of @gatehouse/permissions (the API runs the same ones), built once per page.
// Each function takes any view of a member that spreads `...MemberControlFields`.
import { useMemo } from 'react';
import { memberActionReason, roleChangeReason, roleToggleReason, type ControlReason, type ControlRole, type MemberAction, type RoleControlContext } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { useViewer } from '../../app/viewer.ts';
import { useActiveOwnerIds } from './owners.ts';
import { readFragment } from '../../graphql/graphql.ts';
import { MemberControlFields, type ControlledMember } from './queries.ts';

export interface MemberControls {
  /** Several roles per member (checkboxes) or one (a select), from the preset. */
  multiple: boolean;
  /** The viewer may change roles or status at all (members:update or platform admin). */
  mayUpdate: boolean;
  mayRemove: boolean;
  isPlatformAdmin: boolean;
  viewerId: string;
  roleContext(member: ControlledMember): RoleControlContext;
  /** Why `role` may not be ticked/unticked (or chosen) for the member. */
  toggleReason(member: ControlledMember, role: ControlRole): ControlReason | null;
  /** Why the member's roles may not become `next`. */
  changeReason(member: ControlledMember, next: readonly ControlRole[]): ControlReason | null;
  actionReason(action: MemberAction, member: ControlledMember): ControlReason | null;
}

export function useMemberControls(roles: readonly ControlRole[]): MemberControls {
  const { org, preset, perms } = useOrg();
  const { viewer } = useViewer();
  const activeOwnerMembershipIds = useActiveOwnerIds(org.slug, roles);
  return useMemo(() => {
    const isPlatformAdmin = viewer?.isPlatformAdmin ?? false;
    const viewerId = viewer?.id ?? '';
    const policy = preset.policy;
    const roleContext = (member: ControlledMember): RoleControlContext => {
      const m = readFragment(MemberControlFields, member);
      return { actorUserId: viewerId, actorPerms: perms, targetUserId: m.user.id, membershipId: m.id, currentRoles: m.roles, activeOwnerMembershipIds, policy };
    };
    const actionContext = { actorUserId: viewerId, actorPerms: perms, isPlatformAdmin, activeOwnerMembershipIds, policy };
    return {
      multiple: policy.multipleRolesPerMembership,
      mayUpdate: perms.has('members:update') || isPlatformAdmin,
      mayRemove: perms.has('members:remove') || isPlatformAdmin,
      isPlatformAdmin,
      viewerId,
      roleContext,
      toggleReason: (m, role) => roleToggleReason(role, roleContext(m), roles),
      changeReason: (m, next) => roleChangeReason(next, roleContext(m), roles),
      actionReason: (action, member) => {
        const m = readFragment(MemberControlFields, member);
        return memberActionReason(action, { userId: m.user.id, membershipId: m.id, roles: m.roles }, actionContext);
      },
    };
  }, [viewer, perms, preset.policy, activeOwnerMembershipIds, roles]);
}
