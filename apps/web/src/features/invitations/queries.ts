import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';

/** One invitation as the invitations page lists it; owned by InvitationTableRow (InvitationsPage.tsx). */
export const InvitationFields = graphql(`
  fragment InvitationFields on Invitation {
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
      key
      name
      builtin
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
            id
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
      ...ErrorFields
      ... on LimitExceededError {
        limit
      }
    }
  }
`,
  [InvitationFields, ErrorFields],
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
      ...ErrorFields
    }
  }
`,
  [InvitationFields, ErrorFields],
);

export const RevokeInvitationMutation = graphql(
  `
  mutation RevokeInvitation($invitationId: ID!) {
    revokeInvitation(invitationId: $invitationId) {
      __typename
      ... on Invitation {
        ...InvitationFields
      }
      ...ErrorFields
    }
  }
`,
  [InvitationFields, ErrorFields],
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

export const AcceptInvitationMutation = graphql(
  `
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
      ...ErrorFields
      ... on SignInRequiredError {
        email
      }
    }
  }
`,
  [ErrorFields],
);
