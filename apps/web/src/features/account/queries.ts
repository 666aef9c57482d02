import { graphql, type ResultOf } from '../../graphql/graphql.ts';

/** What the account holder sees of their own address (R20): proven or not, and a change waiting for confirmation. */
export const AccountEmailFields = graphql(`
  fragment AccountEmailFields on User @_unmask {
    id
    email
    emailVerified
    pendingEmail
  }
`);

export type AccountEmail = ResultOf<typeof AccountEmailFields>;

export const AccountEmailQuery = graphql(
  `
  query AccountEmail {
    viewer {
      ...AccountEmailFields
    }
  }
`,
  [AccountEmailFields],
);

/** R20: the current password and a confirmation from the new address; nothing changes before the link is followed. */
export const RequestEmailChangeMutation = graphql(
  `
  mutation RequestEmailChange($currentPassword: String!, $newEmail: String!) {
    requestEmailChange(currentPassword: $currentPassword, newEmail: $newEmail) {
      __typename
      ... on User {
        ...AccountEmailFields
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
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
    }
  }
`,
  [AccountEmailFields],
);

/** A link proving the current address (accounts created by an administrator start unproven). */
export const RequestEmailVerificationMutation = graphql(
  `
  mutation RequestEmailVerification {
    requestEmailVerification {
      ...AccountEmailFields
    }
  }
`,
  [AccountEmailFields],
);

/** Public: the token from the link is the proof. */
export const ConfirmEmailMutation = graphql(
  `
  mutation ConfirmEmail($token: String!) {
    confirmEmail(token: $token) {
      __typename
      ... on User {
        ...AccountEmailFields
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
    }
  }
`,
  [AccountEmailFields],
);
