import { graphql, type ResultOf } from '../../graphql/graphql.ts';

export const RoleFields = graphql(`
  fragment RoleFields on Role @_unmask {
    id
    key
    name
    description
    permissions
    builtin
    memberCount
  }
`);

export const MemberFields = graphql(`
  fragment MemberFields on Membership @_unmask {
    id
    status
    createdAt
    organization {
      id
    }
    user {
      id
      email
      firstName
      lastName
      displayName
      authProvider
      status
      createdAt
      lastLoginAt
    }
    roles {
      id
      key
      name
      permissions
    }
  }
`);

export const MembersQuery = graphql(
  `
  query Members(
    $slug: String!
    $first: Int!
    $after: String
    $search: String
    $roleIds: [ID!]
    $status: MembershipStatus
    $orderBy: MemberOrder
  ) {
    organization(slug: $slug) {
      id
      members(first: $first, after: $after, search: $search, roleIds: $roleIds, status: $status, orderBy: $orderBy) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            ...MemberFields
          }
        }
      }
      roles {
        ...RoleFields
      }
    }
  }
`,
  [MemberFields, RoleFields],
);

export type Member = ResultOf<typeof MemberFields>;
export type OrgRole = ResultOf<typeof RoleFields>;

export const SetMemberRolesMutation = graphql(
  `
  mutation SetMemberRoles($membershipId: ID!, $roleIds: [ID!]!) {
    setMemberRoles(membershipId: $membershipId, roleIds: $roleIds) {
      __typename
      ... on Membership {
        ...MemberFields
      }
      ... on Error {
        message
      }
      ... on GrantCeilingError {
        roleKeys
        ownerOnly
      }
    }
  }
`,
  [MemberFields],
);

export const SetMembershipStatusMutation = graphql(`
  mutation SetMembershipStatus($membershipId: ID!, $status: MembershipStatus!) {
    setMembershipStatus(membershipId: $membershipId, status: $status) {
      __typename
      ... on Membership {
        id
        status
        organization {
          id
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($membershipId: ID!) {
    removeMember(membershipId: $membershipId) {
      __typename
      ... on RemovedMemberPayload {
        membershipId
      }
      ... on Error {
        message
      }
    }
  }
`);

export const DeleteUserMutation = graphql(`
  mutation DeleteUser($userId: ID!, $organizationId: ID) {
    deleteUser(userId: $userId, organizationId: $organizationId) {
      __typename
      ... on DeletedPayload {
        deletedId
      }
      ... on Error {
        message
      }
    }
  }
`);

export const LeaveOrganizationMutation = graphql(`
  mutation LeaveOrganization($organizationId: ID!) {
    leaveOrganization(organizationId: $organizationId) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

export const ResetMemberPasswordMutation = graphql(`
  mutation ResetMemberPassword($membershipId: ID!) {
    resetMemberPassword(membershipId: $membershipId) {
      __typename
      ... on TemporaryPasswordPayload {
        temporaryPassword
        user {
          id
          mustChangePassword
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const LookupUserQuery = graphql(`
  query LookupUser($organizationId: ID!, $email: String!) {
    lookupUser(organizationId: $organizationId, email: $email) {
      email
      exists
      firstName
      lastName
      alreadyMember
    }
  }
`);

export const ProvisionMembersMutation = graphql(`
  mutation ProvisionMembers($organizationId: ID!, $members: [ProvisionMemberInput!]!) {
    provisionMembers(organizationId: $organizationId, members: $members) {
      __typename
      ... on ProvisionMembersPayload {
        results {
          email
          status
          temporaryPassword
          membership {
            id
          }
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        issues {
          path
          message
        }
      }
      ... on GrantCeilingError {
        roleKeys
        ownerOnly
      }
      ... on LimitExceededError {
        limit
      }
    }
  }
`);

export const UserAccessQuery = graphql(
  `
  query UserAccess($userId: ID!) {
    node(id: $userId) {
      __typename
      ... on User {
        id
        email
        firstName
        lastName
        displayName
        authProvider
        status
        memberships {
          ...MemberFields
          organization {
            id
            slug
            name
            status
            viewerPermissions
            roles {
              ...RoleFields
            }
          }
        }
      }
    }
  }
`,
  [MemberFields, RoleFields],
);

export const UpdateUserMutation = graphql(`
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on User {
        id
        email
        firstName
        lastName
        displayName
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        issues {
          path
          message
        }
      }
      ... on ConflictError {
        path
      }
    }
  }
`);

export const GrantOrganizationAccessMutation = graphql(`
  mutation GrantOrganizationAccess($userId: ID!, $organizationId: ID!, $roleIds: [ID!]!) {
    grantOrganizationAccess(userId: $userId, organizationId: $organizationId, roleIds: $roleIds) {
      __typename
      ... on Membership {
        id
      }
      ... on Error {
        message
      }
    }
  }
`);

// ---------------------------------------------------------------- pending invitations in the users table

export const PendingInvitationFields = graphql(`
  fragment PendingInvitationFields on Invitation @_unmask {
    id
    email
    status
    organization {
      id
    }
    createdAt
    expiresAt
    lastSentAt
    sendCount
    roles {
      id
      key
      name
      permissions
    }
  }
`);

export const PendingInvitationsQuery = graphql(
  `
  query PendingInvitations($slug: String!, $first: Int!, $after: String) {
    organization(slug: $slug) {
      id
      invitations(first: $first, after: $after, status: [PENDING]) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...PendingInvitationFields
          }
        }
      }
    }
  }
`,
  [PendingInvitationFields],
);

export type PendingInvitation = ResultOf<typeof PendingInvitationFields>;

// ---------------------------------------------------------------- member detail

export const MemberDetailQuery = graphql(
  `
  query MemberDetail($id: ID!, $slug: String!) {
    node(id: $id) {
      __typename
      ... on Membership {
        ...MemberFields
        addedBy {
          id
          displayName
          email
        }
        user {
          id
          emailVerified
        }
      }
    }
    organization(slug: $slug) {
      id
      roles {
        ...RoleFields
      }
    }
  }
`,
  [MemberFields, RoleFields],
);

export const AuditEventAboutFields = graphql(`
  fragment AuditEventAboutFields on AuditEvent @_unmask {
    id
    action
    actorLabel
    createdAt
    targetType
    targetLabel
  }
`);

/** Events about one member: those naming the membership and those naming the account (two targets). */
export const MemberAuditQuery = graphql(
  `
  query MemberAudit($slug: String!, $membershipTarget: String!, $userTarget: String!) {
    organization(slug: $slug) {
      id
      aboutMembership: auditLog(targetId: $membershipTarget, first: 10) {
        edges {
          node {
            ...AuditEventAboutFields
          }
        }
      }
      aboutUser: auditLog(targetId: $userTarget, first: 10) {
        edges {
          node {
            ...AuditEventAboutFields
          }
        }
      }
    }
  }
`,
  [AuditEventAboutFields],
);

export type AuditEventAbout = ResultOf<typeof AuditEventAboutFields>;
