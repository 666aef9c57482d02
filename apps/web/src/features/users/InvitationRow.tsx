// A pending invitation in the users table (a row) or below 600 px (a card), with the Invited badge.
import { Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { graphql, readFragment, type FragmentOf } from '../../graphql/graphql.ts';
import { formatDate } from '../../i18n/format.ts';
import { RoleBadgeFields, RoleBadges } from './RowRoles.tsx';
import { InvitationMenu, InvitationMenuFields } from './InvitationMenu.tsx';
import { Trans } from '@lingui/react/macro';

export const PendingInvitationFields = graphql(
  `
  fragment PendingInvitationFields on Invitation {
    id
    email
    createdAt
    expiresAt
    roles {
      ...RoleBadgeFields
    }
    ...InvitationMenuFields
  }
`,
  [RoleBadgeFields, InvitationMenuFields],
);

type Props = { invitation: FragmentOf<typeof PendingInvitationFields> };

function InvitedBadge() {
  return (
    <Badge variant="light" color="blue">
      <Trans>Invited</Trans>
    </Badge>
  );
}

export function InvitationRow({ invitation: data, selectable }: Props & { selectable: boolean }) {
  const inv = readFragment(PendingInvitationFields, data);
  return (
    <Table.Tr data-testid={`invitation-row-${inv.email}`}>
      {selectable && <Table.Td />}
      <Table.Td>
        <Text size="sm">{inv.email}</Text>
        <Text size="xs" c="dimmed">
          <Trans>Has not accepted yet</Trans>
        </Text>
      </Table.Td>
      <Table.Td>
        <RoleBadges roles={inv.roles} />
      </Table.Td>
      <Table.Td>
        <InvitedBadge />
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed">
          <Trans>invitation</Trans>
        </Text>
      </Table.Td>
      <Table.Td className="gh-nowrap">
        <Text size="sm"><Trans>Invited {formatDate(inv.createdAt)}</Trans></Text>
      </Table.Td>
      <Table.Td className="gh-nowrap">
        <Text size="sm"><Trans>Expires {formatDate(inv.expiresAt)}</Trans></Text>
      </Table.Td>
      <Table.Td>
        <InvitationMenu invitation={inv} />
      </Table.Td>
    </Table.Tr>
  );
}

export function InvitationCard({ invitation: data }: Props) {
  const inv = readFragment(PendingInvitationFields, data);
  return (
    <Paper withBorder p="sm" radius="md" role="listitem" data-testid={`invitation-card-${inv.email}`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            <Text size="sm" truncate>
              {inv.email}
            </Text>
            <InvitedBadge />
          </Group>
          <InvitationMenu invitation={inv} />
        </Group>
        <RoleBadges roles={inv.roles} />
        <Text size="xs" c="dimmed">
          <Trans>Invited {formatDate(inv.createdAt)} · expires {formatDate(inv.expiresAt)}</Trans>
        </Text>
      </Stack>
    </Paper>
  );
}
