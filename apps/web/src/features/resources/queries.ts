// GraphQL documents of the resource pages (OEC projects, Spaces spaces).
import { graphql, type ResultOf } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';

export const ResourcesQuery = graphql(`
  query OrgResources($slug: String!, $type: String!, $first: Int!, $after: String) {
    organization(slug: $slug) {
      id
      resourcesConnection(type: $type, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            name
            type
            createdAt
            createdBy {
              id
              email
            }
            viewerPermissions
          }
        }
      }
    }
  }
`);

export type ResourceRowData = NonNullable<ResultOf<typeof ResourcesQuery>['organization']>['resourcesConnection']['edges'][number]['node'];

/**
 * The resources of the org the viewer may read, with what they hold on each (for the invitation
 * dialog's resource grants: R3 is computed per resource from viewerPermissions).
 */
export const GrantableResourcesQuery = graphql(`
  query GrantableResources($slug: String!, $first: Int!) {
    organization(slug: $slug) {
      id
      resourcesConnection(first: $first) {
        totalCount
        edges {
          node {
            id
            name
            type
            viewerPermissions
            viewerCanManageMembers
          }
        }
      }
    }
  }
`);

export type GrantableResource = NonNullable<ResultOf<typeof GrantableResourcesQuery>['organization']>['resourcesConnection']['edges'][number]['node'];

/** The name form of the resource page (owned by RenameResource). */
export const RenameResourceFields = graphql(`
  fragment RenameResourceFields on Resource {
    id
    name
  }
`);

/**
 * One resource with its members as the resource page shows them (owned by ResourceMembers). Pages
 * through `members` with the $first and $after of the query that spreads it.
 */
export const ResourceMembersFields = graphql(
  `
  fragment ResourceMembersFields on Resource {
    id
    name
    viewerPermissions
    members(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          roleKey
          role {
            key
            name
          }
          membership {
            id
            roles {
              key
            }
            user {
              id
              email
              displayName
            }
          }
        }
      }
    }
    ...RenameResourceFields
  }
`,
  [RenameResourceFields],
);

export type ResourceMemberData = ResultOf<typeof ResourceMembersFields>['members']['edges'][number]['node'];

export const ResourceQuery = graphql(
  `
  query ResourceDetail($id: ID!, $first: Int!, $after: String) {
    resource(id: $id) {
      id
      ...ResourceMembersFields
    }
  }
`,
  [ResourceMembersFields],
);

/** Candidates for "Add member": members of the org with their org roles (for the cap, R19). */
export const CandidateSearchQuery = graphql(`
  query ResourceMemberCandidates($slug: String!, $search: String) {
    organization(slug: $slug) {
      id
      members(first: 20, search: $search, status: ACTIVE, orderBy: { field: NAME, direction: ASC }) {
        edges {
          node {
            id
            roles {
              key
            }
            user {
              id
              email
              displayName
            }
          }
        }
      }
    }
  }
`);

export const CreateResourceMutation = graphql(
  `
  mutation CreateResource($organizationId: ID!, $type: String!, $name: String!) {
    createResource(organizationId: $organizationId, type: $type, name: $name) {
      __typename
      ... on Resource {
        id
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const DeleteResourceMutation = graphql(
  `
  mutation DeleteResource($resourceId: ID!) {
    deleteResource(resourceId: $resourceId) {
      __typename
      ... on DeletedResourcePayload {
        resourceId
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const GrantResourceRoleMutation = graphql(
  `
  mutation GrantResourceRole($resourceId: ID!, $membershipId: ID!, $roleKey: String!) {
    grantResourceRole(resourceId: $resourceId, membershipId: $membershipId, roleKey: $roleKey) {
      __typename
      ... on Resource {
        id
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const RevokeResourceRoleMutation = graphql(
  `
  mutation RevokeResourceRole($resourceId: ID!, $membershipId: ID!) {
    revokeResourceRole(resourceId: $resourceId, membershipId: $membershipId) {
      __typename
      ... on Resource {
        id
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const RenameResourceMutation = graphql(
  `
  mutation RenameResource($resourceId: ID!, $name: String!) {
    renameResource(resourceId: $resourceId, name: $name) {
      __typename
      ... on Resource {
        id
        name
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);
