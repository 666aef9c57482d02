// The users feature's shared documents: fragments read by several of its components (or by logic
// such as the rule contexts) and the mutations more than one file sends. A component that alone
// renders some data declares its fragment next to itself (MemberRow.tsx, RowRoles.tsx, ...), and
// each page composes its children's fragments into its query. Fragments are masked: a component
// sees only the fields it selected, through `readFragment`.
import { graphql, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';

/** An organization's role as the users pages use it (filters, rule contexts, role pickers). */
export const RoleFields = graphql(`
  fragment RoleFields on Role {
    id
    key
    name
    description
    permissions
    builtin
    memberCount
  }
`);

export type OrgRole = ResultOf<typeof RoleFields>;

/** What the rules of @gatehouse/permissions need about a member (controls.ts). */
export const MemberControlFields = graphql(`
  fragment MemberControlFields on Membership {
    id
    user {
      id
    }
    roles {
      id
      key
      name
      permissions
    }
  }
`);

export type ControlledMember = FragmentOf<typeof MemberControlFields>;

/** Who a member dialog is about (remove or delete, reset password, disable, enable). */
export const MemberDialogFields = graphql(`
  fragment MemberDialogFields on Membership {
    id
    user {
      id
      email
      firstName
      lastName
      displayName
    }
  }
`);

export type DialogMember = FragmentOf<typeof MemberDialogFields>;

/** A selected member as the bulk bar (loaded on demand) needs it. */
export const BulkMemberFields = graphql(
  `
  fragment BulkMemberFields on Membership {
    id
    status
    user {
      id
      email
    }
    roles {
      id
      key
      name
      permissions
    }
    ...MemberControlFields
  }
`,
  [MemberControlFields],
);

export type BulkMember = FragmentOf<typeof BulkMemberFields>;

export const SetMemberRolesMutation = graphql(
  `
  mutation SetMemberRoles($membershipId: ID!, $roleIds: [ID!]!) {
    setMemberRoles(membershipId: $membershipId, roleIds: $roleIds) {
      __typename
      ... on Membership {
        # What every view of a member shows about roles (the cache updates them in place), and the
        # organization whose lists cache.ts refreshes.
        id
        organization {
          id
        }
        roles {
          id
          key
          name
          permissions
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

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
