import { createContext, use } from 'react';
import type { PermissionKey } from '@gatehouse/permissions';
import { graphql, type ResultOf } from '../../graphql/graphql.ts';

export const OrganizationQuery = graphql(`
  query Organization($slug: String!) {
    organization(slug: $slug) {
      id
      slug
      name
      status
      createdAt
      viewerPermissions
      viewerMembership {
        id
        status
        roles {
          id
          key
          name
          permissions
        }
      }
    }
    preset {
      key
      name
      roles {
        key
        name
        description
        permissions
      }
      policy {
        ownerModel
        invitations
        provisioning
        multipleRolesPerMembership
        customRoleLimit
        bulkLimit
        ownershipTransfer
        leaveRequiresPermission
      }
    }
  }
`);

export type OrgData = NonNullable<ResultOf<typeof OrganizationQuery>['organization']>;
export type PresetData = ResultOf<typeof OrganizationQuery>['preset'];
export type Policy = PresetData['policy'];

export interface OrgContextValue {
  org: OrgData;
  preset: PresetData;
  /** The viewer's effective permissions in this organization. */
  perms: ReadonlySet<string>;
  /** A catalog key: a typo does not compile. */
  can(permission: PermissionKey): boolean;
}

export const OrgContext = createContext<OrgContextValue | null>(null);

export function useOrg(): OrgContextValue {
  const value = use(OrgContext);
  if (!value) throw new Error('useOrg outside an organization route');
  return value;
}

export function useOptionalOrg(): OrgContextValue | null {
  return use(OrgContext);
}
