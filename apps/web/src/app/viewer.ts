import { useQuery } from 'urql';
import { graphql, type ResultOf } from '../graphql/graphql.ts';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      email
      firstName
      lastName
      displayName
      authProvider
      status
      isPlatformAdmin
      mustChangePassword
      createdAt
      lastLoginAt
      memberships {
        id
        status
        roles {
          id
          key
          name
        }
        organization {
          id
          slug
          name
          status
          viewerPermissions
        }
      }
    }
  }
`);

export type Viewer = NonNullable<ResultOf<typeof ViewerQuery>['viewer']>;
export type ViewerMembership = Viewer['memberships'][number];

export function useViewer() {
  const [result, reexecute] = useQuery({ query: ViewerQuery });
  return { viewer: result.data?.viewer ?? null, fetching: result.fetching, stale: result.stale, error: result.error, reexecute };
}

/** Organizations the viewer can enter: active membership in an active organization (R14). */
export function usableMemberships(viewer: Viewer | null): ViewerMembership[] {
  return (viewer?.memberships ?? []).filter((m) => m.status === 'ACTIVE' && m.organization.status === 'ACTIVE');
}

const LAST_ORG = 'gatehouse:lastOrg';

export function rememberOrg(slug: string) {
  try {
    localStorage.setItem(LAST_ORG, slug);
  } catch {
    /* storage disabled */
  }
}

export function lastOrg(): string | null {
  try {
    return localStorage.getItem(LAST_ORG);
  } catch {
    return null;
  }
}
