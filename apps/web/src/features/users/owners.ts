// The organization's active owners, counted as the API counts them for R5 (active memberships of
// active users holding a role with org:own): a UI that sums Role.memberCount would count disabled
// owners too and enable a control the API then refuses.
import { useMemo } from 'react';
import { useQuery } from 'urql';
import { isOwnerRole } from '@gatehouse/permissions';
import { graphql } from '../../graphql/graphql.ts';

export const ActiveOwnersQuery = graphql(`
  query ActiveOwners($slug: String!, $roleIds: [ID!]) {
    organization(slug: $slug) {
      id
      members(first: 10, roleIds: $roleIds, status: ACTIVE) {
        totalCount
        edges {
          node {
            id
            user {
              id
              status
            }
          }
        }
      }
    }
  }
`);

/**
 * Ids of active owner memberships, or undefined while unknown (then the API's answer decides).
 * Ten are read: the floor only asks whether someone other than the affected member remains.
 */
export function useActiveOwnerIds(slug: string | undefined, roles: readonly { id: string; permissions: readonly string[] }[]): readonly string[] | undefined {
  const roleIds = useMemo(() => roles.filter(isOwnerRole).map((r) => r.id), [roles]);
  const [result] = useQuery({ query: ActiveOwnersQuery, variables: { slug: slug ?? '', roleIds }, pause: !slug || roleIds.length === 0 });
  return useMemo(() => {
    const members = result.data?.organization?.members;
    if (!members) return undefined;
    return members.edges.filter((e) => e.node.user.status === 'ACTIVE').map((e) => e.node.id);
  }, [result.data]);
}
