import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Group, Menu, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from 'urql';
import { IconDots } from '@tabler/icons-react';
import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';
import { useUrlPaging } from '../../lib/paging.ts';
import { Pager } from '../../lib/Pager.tsx';
import { useViewer } from '../../app/viewer.ts';
import { failureMessage } from '../../lib/errors.ts';
import { fullName } from '../../lib/format.ts';
import { formatDate, formatDateTime } from '../../i18n/format.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { EditUserDialog } from '../users/EditUserDialog.tsx';
import { DeleteUserMutation } from '../users/queries.ts';
import { SkeletonRows } from '../../components/SkeletonRows.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const UsersQuery = graphql(`
  query AdminUsers($first: Int!, $after: String, $search: String) {
    users(first: $first, after: $after, search: $search) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          email
          firstName
          lastName
          displayName
          authProvider
          status
          isPlatformAdmin
          createdAt
          lastLoginAt
          memberships {
            id
            organization {
              id
              name
            }
          }
        }
      }
    }
  }
`);

const SetUserStatusMutation = graphql(
  `
  mutation SetUserStatus($userId: ID!, $status: UserStatus!) {
    setUserStatus(userId: $userId, status: $status) {
      __typename
      ... on User {
        id
        status
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

type AdminUser = { id: string; email: string; firstName: string; lastName: string; displayName: string };

/** Platform admin (R15): every account; disable, delete completely, give access to another org. */
export default function AdminUsersPage() {
  const { viewer } = useViewer();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const paging = useUrlPaging();
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<AdminUser | null>(null);
  const [disabling, setDisabling] = useState<AdminUser | null>(null);
  const [result] = useQuery({ query: UsersQuery, variables: { first: paging.size, after: paging.after, search: debounced || null }, pause: !viewer?.isPlatformAdmin });
  const [, setStatus] = useMutation(SetUserStatusMutation);
  const [, deleteUser] = useMutation(DeleteUserMutation);
  if (!viewer?.isPlatformAdmin) return <NotFoundPage title={t`Platform administrators only`} message={t`This area manages every account of the platform.`} />;
  const users = result.data?.users;
  const deletingName = deleting ? fullName(deleting) : '';
  const disablingName = disabling ? fullName(disabling) : '';

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2"><Trans>All users</Trans></Title>
        <Text c="dimmed" size="sm">
          <Trans>Every account, across organizations.</Trans>
        </Text>
      </div>
      <TextInput
        label={t`Search`}
        placeholder={t`Name or email`}
        type="search"
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          if (paging.page > 0) paging.first();
        }}
        maw={320}
      />
      {result.error && !users && <Alert color="red">{result.error.message}</Alert>}
      <div className="gh-table-scroll">
        <Table striped highlightOnHover miw={900} aria-label={t`All users`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th><Trans>Name</Trans></Table.Th>
              <Table.Th><Trans>Email</Trans></Table.Th>
              <Table.Th><Trans>Organizations</Trans></Table.Th>
              <Table.Th><Trans>Status</Trans></Table.Th>
              <Table.Th><Trans>Created</Trans></Table.Th>
              <Table.Th><Trans>Last sign-in</Trans></Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {!users &&
              result.fetching && <SkeletonRows rows={5} columns={7} />}
            {users?.edges.map(({ node: u }) => (
              <Table.Tr key={u.id} data-testid={`user-row-${u.email}`}>
                <Table.Td>
                  <Group gap={6}>
                    <Text size="sm" fw={500}>
                      {fullName(u)}
                    </Text>
                    {u.isPlatformAdmin && (
                      <Badge size="xs" color="grape" variant="light">
                        <Trans>platform admin</Trans>
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{u.email}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed" lineClamp={2}>
                    {u.memberships.map((m) => m.organization.name).join(', ') || '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={u.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDate(u.createdAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDateTime(u.lastLoginAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={t`Actions for ${u.email}`}>
                        <IconDots size={18} />
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => setEditing(u.id)}><Trans>Edit and organization access</Trans></Menu.Item>
                      {u.id !== viewer.id && (
                        <Menu.Item
                          onClick={async () => {
                            const status = u.status === 'ACTIVE' ? 'DISABLED' : 'ACTIVE';
                            if (status === 'DISABLED') return setDisabling(u);
                            const res = await setStatus({ userId: u.id, status });
                            const message = failureMessage(res.data?.setUserStatus, res.error, 'User');
                            notifications.show(message ? { color: 'red', message } : { color: 'green', message: t`${u.email} is enabled.` });
                          }}
                        >
                          {u.status === 'ACTIVE' ? t`Disable account` : t`Enable account`}
                        </Menu.Item>
                      )}
                      {u.id !== viewer.id && (
                        <>
                          <Menu.Divider />
                          <Menu.Item color="var(--mantine-color-red-text)" onClick={() => setDeleting(u)}>
                            <Trans>Delete completely…</Trans>
                          </Menu.Item>
                        </>
                      )}
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
            {users && users.edges.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={7}>
                  <Text ta="center" c="dimmed" py="lg">
                    <Trans>No user matches.</Trans>
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>
      <Pager paging={paging} shown={users?.edges.length ?? 0} hasNext={Boolean(users?.pageInfo.hasNextPage)} endCursor={users?.pageInfo.endCursor} noun={t`users`} />
      {editing && <EditUserDialog opened userId={editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        opened={deleting !== null}
        title={t`Delete ${deletingName} completely?`}
        confirmLabel={t`Delete account`}
        typeToConfirm={deleting?.email}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return null;
          const res = await deleteUser({ userId: deleting.id, organizationId: null });
          const message = failureMessage(res.data?.deleteUser, res.error, 'DeletedPayload');
          if (!message) notifications.show({ color: 'green', message: t`${deleting.email} was deleted.` });
          return message;
        }}
      >
        <Text size="sm">
          <Trans>
            The account {deleting?.email} is permanently deleted from every organization it belongs to. To take away access to one organization only,
            remove the user from that organization instead.
          </Trans>
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        opened={disabling !== null}
        title={t`Disable ${disablingName}'s account?`}
        confirmLabel={t`Disable account`}
        onClose={() => setDisabling(null)}
        onConfirm={async () => {
          if (!disabling) return null;
          const res = await setStatus({ userId: disabling.id, status: 'DISABLED' });
          const message = failureMessage(res.data?.setUserStatus, res.error, 'User');
          if (!message) notifications.show({ color: 'green', message: t`${disabling.email} is disabled and signed out.` });
          return message;
        }}
      >
        <Text size="sm">
          <Trans>
            {disabling?.email} is signed out everywhere at once and cannot sign in to any organization until you enable the account again. Memberships
            and roles are kept.
          </Trans>

        </Text>
      </ConfirmDialog>
    </Stack>
  );
}
