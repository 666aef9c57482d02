import { useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { MemberPicker } from '../../components/MemberPicker.tsx';
import { notifications } from '@mantine/notifications';
import { useClient, useMutation, useQuery } from 'urql';
import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';
import { OrganizationQuery, useOrg } from '../orgs/org-context.ts';
import { useViewer, ViewerQuery } from '../../app/viewer.ts';
import { failureMessage } from '../../lib/errors.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const TransferQuery = graphql(`
  query OwnershipTransferPanel($slug: String!) {
    organization(slug: $slug) {
      id
      pendingOwnershipTransfer {
        id
        status
        from { id email displayName }
        to { id user { id email displayName } }
      }
    }
  }
`);

const RequestMutation = graphql(
  `
  mutation RequestOwnershipTransfer($organizationId: ID!, $toMembershipId: ID!) {
    requestOwnershipTransfer(organizationId: $organizationId, toMembershipId: $toMembershipId) {
      __typename
      ... on OwnershipTransfer { id status }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

const AcceptMutation = graphql(
  `
  mutation AcceptOwnershipTransfer($transferId: ID!) {
    acceptOwnershipTransfer(transferId: $transferId) {
      __typename
      ... on Organization { id }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

const CancelMutation = graphql(
  `
  mutation CancelOwnershipTransfer($transferId: ID!) {
    cancelOwnershipTransfer(transferId: $transferId) {
      __typename
      ... on OwnershipTransfer { id status }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

/** R6: with a single owner, the owner offers ownership and the new owner accepts it here. */
export function OwnershipTransferPanel() {
  const { org, perms } = useOrg();
  const { viewer } = useViewer();
  const client = useClient();
  const [{ data }, refetch] = useQuery({ query: TransferQuery, variables: { slug: org.slug }, requestPolicy: 'cache-and-network' });
  const [target, setTarget] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, request] = useMutation(RequestMutation);
  const [, accept] = useMutation(AcceptMutation);
  const [, cancel] = useMutation(CancelMutation);
  const pending = data?.organization?.pendingOwnershipTransfer ?? null;
  const isOwner = perms.has('org:own');
  const isRecipient = pending?.to?.user.id === viewer?.id;

  async function run(action: () => Promise<{ message: string | null; done: string }>) {
    setError(null);
    const { message, done } = await action();
    if (message) return setError(message);
    notifications.show({ color: 'green', message: done });
    refetch({ requestPolicy: 'network-only' });
    // Roles changed on both sides: refresh the permissions every page reads.
    await Promise.all([
      client.query(OrganizationQuery, { slug: org.slug }, { requestPolicy: 'network-only' }).toPromise(),
      client.query(ViewerQuery, {}, { requestPolicy: 'network-only' }).toPromise(),
    ]);
  }

  if (!isOwner && !isRecipient) return null;
  return (
    <Paper withBorder p="lg" radius="md">
      <Stack gap="sm">
        <Title order={3} size="h4"><Trans>Ownership</Trans></Title>
        <Text size="sm" c="dimmed">
          <Trans>This organization has exactly one owner. Ownership moves when the person you choose accepts; you then become an admin.</Trans>
        </Text>
        {pending && (
          <Alert variant="light" color="blue">
            {isRecipient
              ? pending.from?.displayName
                ? t`${pending.from.displayName} offers you ownership of ${org.name}.`
                : t`The owner offers you ownership of ${org.name}.`
              : pending.to?.user.displayName
                ? t`Waiting for ${pending.to.user.displayName} to accept ownership.`
                : t`Waiting for the recipient to accept ownership.`}
          </Alert>
        )}
        {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
        {pending && isRecipient && (
          <Group justify="flex-end">
            <Button variant="default" onClick={() => void run(async () => {
              const res = await cancel({ transferId: pending.id });
              return { message: failureMessage(res.data?.cancelOwnershipTransfer, res.error, 'OwnershipTransfer'), done: t`You declined ownership.` };
            })}><Trans>Decline</Trans></Button>
            <Button onClick={() => void run(async () => {
              const res = await accept({ transferId: pending.id });
              return { message: failureMessage(res.data?.acceptOwnershipTransfer, res.error, 'Organization'), done: t`You now own ${org.name}.` };
            })}><Trans>Accept ownership</Trans></Button>
          </Group>
        )}
        {isOwner && (
          <Group align="flex-end" wrap="wrap">
            <MemberPicker
              slug={org.slug}
              label={t`New owner`}
              valueKind="membership"
              status="ACTIVE"
              excludeUserIds={viewer ? [viewer.id] : []}
              value={target}
              onChange={(v) => setTarget(v)}
              style={{ flex: 1, minWidth: 240 }}
            />
            <Button disabled={!target} onClick={() => void run(async () => {
              const res = await request({ organizationId: org.id, toMembershipId: target! });
              return { message: failureMessage(res.data?.requestOwnershipTransfer, res.error, 'OwnershipTransfer'), done: t`Ownership offered; it moves when they accept.` };
            })}><Trans>Offer ownership</Trans></Button>
            {pending && !isRecipient && (
              <Button variant="default" onClick={() => void run(async () => {
                const res = await cancel({ transferId: pending.id });
                return { message: failureMessage(res.data?.cancelOwnershipTransfer, res.error, 'OwnershipTransfer'), done: t`Offer withdrawn.` };
              })}><Trans>Withdraw offer</Trans></Button>

            )}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
