import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';

/**
 * What the account holder sees of their own address (R20): proven or not, and a change waiting for
 * confirmation. Owned by EmailAddressSection (which reads it); the documents below spread it so the
 * cache keeps the section current.
 */
export const AccountEmailFields = graphql(`
  fragment AccountEmailFields on User {
    id
    email
    emailVerified
    pendingEmail
  }
`);

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
        pendingEmail
        ...AccountEmailFields
      }
      ...ErrorFields
      ... on ConflictError {
        path
      }
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
    }
  }
`,
  [AccountEmailFields, ErrorFields],
);

/** A link proving the current address (accounts created by an administrator start unproven). */
export const RequestEmailVerificationMutation = graphql(
  `
  mutation RequestEmailVerification {
    requestEmailVerification {
      email
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
        email
        ...AccountEmailFields
      }
      ...ErrorFields
    }
  }
`,
  [AccountEmailFields, ErrorFields],
);
