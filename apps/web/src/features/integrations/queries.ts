import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';

/** R23: one of the viewer's own personal access tokens (the secret is never part of them); owned by AccessTokenRow. */
export const AccessTokenFields = graphql(`
  fragment AccessTokenFields on PersonalAccessToken {
    id
    name
    hint
    permissions
    createdAt
    expiresAt
    lastUsedAt
    revokedAt
    active
    organization {
      id
      name
    }
  }
`);

export const AccessTokensQuery = graphql(
  `
  query AccessTokens {
    personalAccessTokens {
      id
      ...AccessTokenFields
    }
  }
`,
  [AccessTokenFields],
);

export const CreateAccessTokenMutation = graphql(
  `
  mutation CreateAccessToken($input: CreatePersonalAccessTokenInput!) {
    createPersonalAccessToken(input: $input) {
      __typename
      ... on CreatedPersonalAccessToken {
        secret
        token {
          ...AccessTokenFields
        }
      }
      ...ErrorFields
    }
  }
`,
  [AccessTokenFields, ErrorFields],
);

export const RevokeAccessTokenMutation = graphql(
  `
  mutation RevokeAccessToken($tokenId: ID!) {
    revokePersonalAccessToken(tokenId: $tokenId) {
      __typename
      ... on PersonalAccessToken {
        ...AccessTokenFields
      }
      ...ErrorFields
    }
  }
`,
  [AccessTokenFields, ErrorFields],
);

/** R23: an organization's service accounts with their roles and keys (service_accounts:manage). */
export const ServiceAccountsQuery = graphql(`
  query ServiceAccounts($orgId: ID!, $slug: String!) {
    serviceAccounts(organizationId: $orgId) {
      id
      name
      status
      clientId
      roles {
        id
        key
        name
        builtin
      }
      keys {
        id
        name
        hint
        active
        expiresAt
        lastUsedAt
        lastUsedIp
      }
    }
    organization(slug: $slug) {
      id
      roles {
        id
        key
        name
        builtin
        permissions
      }
    }
  }
`);

export const CreateServiceAccountMutation = graphql(
  `
  mutation CreateServiceAccount($input: CreateServiceAccountInput!) {
    createServiceAccount(input: $input) {
      __typename
      ... on ServiceAccount {
        id
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const CreateServiceAccountKeyMutation = graphql(
  `
  mutation CreateServiceAccountKey($input: CreateServiceAccountKeyInput!) {
    createServiceAccountKey(input: $input) {
      __typename
      ... on CreatedServiceAccountKey {
        secret
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const RotateServiceAccountKeyMutation = graphql(
  `
  mutation RotateServiceAccountKey($keyId: ID!) {
    rotateServiceAccountKey(keyId: $keyId, overlapHours: 24) {
      __typename
      ... on CreatedServiceAccountKey {
        secret
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const RevokeServiceAccountKeyMutation = graphql(
  `
  mutation RevokeServiceAccountKey($keyId: ID!) {
    revokeServiceAccountKey(keyId: $keyId) {
      __typename
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const SetServiceAccountStatusMutation = graphql(
  `
  mutation SetServiceAccountStatus($id: ID!, $status: ServiceAccountStatus!) {
    setServiceAccountStatus(serviceAccountId: $id, status: $status) {
      __typename
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

/** R24: an organization's webhook endpoints and their delivery log (integrations:manage). */
export const WebhookEndpointsQuery = graphql(`
  query WebhookEndpoints($orgId: ID!) {
    webhookEndpoints(organizationId: $orgId) {
      id
      url
      eventTypes
      enabled
      disabledReason
      previousSecretValidUntil
      deliveries(first: 20) {
        id
        sequence
        eventType
        status
        attemptCount
        lastStatus
        lastError
        lastAttemptAt
      }
    }
  }
`);

export const CreateWebhookEndpointMutation = graphql(
  `
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on WebhookSecretPayload {
        secret
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const UpdateWebhookEndpointMutation = graphql(
  `
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      __typename
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const RotateWebhookSecretMutation = graphql(
  `
  mutation RotateWebhookSecret($endpointId: ID!) {
    rotateWebhookSecret(endpointId: $endpointId, overlapHours: 24) {
      __typename
      ... on WebhookSecretPayload {
        secret
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const RedeliverWebhookMutation = graphql(
  `
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      __typename
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const SendTestWebhookMutation = graphql(
  `
  mutation SendTestWebhook($endpointId: ID!) {
    sendTestWebhook(endpointId: $endpointId) {
      __typename
      ... on WebhookDelivery {
        id
        sequence
        status
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);
