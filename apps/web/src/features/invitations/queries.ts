import { graphql, type ResultOf } from '../../graphql/graphql.ts';

export const InvitationFields = graphql(`
  fragment InvitationFields on Invitation @_unmask {
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
    invitedBy {
      id
      displayName
      email
    }
    roles {
      id
      name
    }
    resourceGrants {
      resourceId
      resourceType
      resourceName
      roleKey
    }
  }
`);

export const InvitationsQuery = graphql(
  `
  query Invitations($slug: String!, $first: Int!, $after: String, $status: [InvitationStatus!]) {
    organization(slug: $slug) {
      id
      invitations(first: $first, after: $after, status: $status) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...InvitationFields
          }
        }
      }
      roles {
        id
        key
        name
        description
        permissions
        builtin
        memberCount
      }
    }
  }
`,
  [InvitationFields],
);

export type InvitationRow = ResultOf<typeof InvitationFields>;

export const InviteMembersMutation = graphql(
  `
  mutation InviteMembers($organizationId: ID!, $emails: [String!]!, $roleIds: [ID!]!, $dryRun: Boolean, $resourceGrants: [InvitationResourceGrantInput!]) {
    inviteMembers(organizationId: $organizationId, emails: $emails, roleIds: $roleIds, dryRun: $dryRun, resourceGrants: $resourceGrants) {
      __typename
      ... on InviteMembersPayload {
        dryRun
        results {
          email
          status
          emailSent
          message
          invitation {
            ...InvitationFields
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
      ... on LimitExceededError {
        limit
      }
    }
  }
`,
  [InvitationFields],
);

export const ResendInvitationMutation = graphql(
  `
  mutation ResendInvitation($invitationId: ID!) {
    resendInvitation(invitationId: $invitationId) {
      __typename
      ... on ResendInvitationPayload {
        emailSent
        invitation {
          ...InvitationFields
        }
      }
      ... on Error {
        message
      }
    }
  }
`,
  [InvitationFields],
);

export const RevokeInvitationMutation = graphql(
  `
  mutation RevokeInvitation($invitationId: ID!) {
    revokeInvitation(invitationId: $invitationId) {
      __typename
      ... on Invitation {
        ...InvitationFields
      }
      ... on Error {
        message
      }
    }
  }
`,
  [InvitationFields],
);

export const InvitationPreviewQuery = graphql(`
  query InvitationPreview($token: String!) {
    invitationPreview(token: $token) {
      email
      accountExists
      expiresAt
      inviterName
      organizationName
      organizationSlug
      status
      roles {
        key
        name
        description
      }
    }
  }
`);

export const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($token: String!, $firstName: String, $lastName: String, $password: String) {
    acceptInvitation(token: $token, firstName: $firstName, lastName: $lastName, password: $password, refreshTokenDelivery: COOKIE) {
      __typename
      ... on AcceptInvitationPayload {
        organization {
          id
          slug
          name
        }
        auth {
          accessToken
          accessTokenExpiresAt
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
      ... on SignInRequiredError {
        email
      }
    }
  }
`);
