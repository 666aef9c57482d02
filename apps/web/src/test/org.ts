import { expandPermissions, getPreset } from '@gatehouse/permissions';
import type { OrgContextValue } from '../features/orgs/org-context.ts';

const gatehouse = getPreset('gatehouse');

/** Roles of the default preset as the API returns them (ids = keys). */
export const ROLES = gatehouse.roles.map((r) => ({
  __typename: 'Role' as const,
  id: r.key,
  key: r.key,
  name: r.name,
  description: r.description,
  permissions: [...r.permissions],
  builtin: true,
  memberCount: r.key === 'owner' ? 1 : 0,
}));

/** An organization context for the actor holding `roleKey`. */
export function orgContext(roleKey = 'owner', policy: Partial<OrgContextValue['preset']['policy']> = {}): OrgContextValue {
  const perms = expandPermissions(gatehouse.roles.find((r) => r.key === roleKey)!.permissions);
  return {
    org: {
      id: 'org-1',
      slug: 'acme',
      name: 'Acme',
      status: 'ACTIVE',
      createdAt: '2026-01-01T00:00:00Z',
      viewerPermissions: [...perms],
      viewerMembership: null,
    },
    preset: {
      key: 'gatehouse',
      name: 'Gatehouse',
      roles: gatehouse.roles.map((r) => ({ ...r, permissions: [...r.permissions] })),
      policy: {
        ownerModel: 'multiple',
        invitations: true,
        provisioning: true,
        multipleRolesPerMembership: true,
        customRoleLimit: 20,
        bulkLimit: 10,
        ownershipTransfer: false,
        leaveRequiresPermission: null,
        ...policy,
      },
    },
    perms,
    can: (p) => perms.has(p),
  };
}
