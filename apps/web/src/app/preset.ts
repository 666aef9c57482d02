// The active preset, known app-wide (one per deployment): the pages outside an organization route
// (platform admin's user editor) need its policy too, e.g. whether a member holds one role or several.
import { useQuery } from 'urql';
import { graphql, type ResultOf } from '../graphql/graphql.ts';

export const PresetQuery = graphql(`
  query ActivePreset {
    preset {
      key
      name
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

export type ActivePreset = ResultOf<typeof PresetQuery>['preset'];

export function usePreset(): ActivePreset | null {
  const [result] = useQuery({ query: PresetQuery });
  return result.data?.preset ?? null;
}
