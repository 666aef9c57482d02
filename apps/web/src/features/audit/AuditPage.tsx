import { useMemo, useState } from 'react';
import { Alert, Button, Code, Group, Menu, Modal, ScrollArea, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from 'urql';
import { graphql, type ResultOf } from '../../graphql/graphql.ts';
import { MemberPicker } from '../../components/MemberPicker.tsx';
import { useOrg } from '../orgs/org-context.ts';
import { freshAccessToken } from '../../app/tokens.ts';
import { formatDateTime } from '../../lib/format.ts';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { SkeletonRows } from '../../components/SkeletonRows.tsx';

const AuditLogQuery = graphql(`
  query AuditLog($slug: String!, $first: Int!, $after: String, $action: String, $actorId: ID, $from: DateTime, $to: DateTime) {
    organization(slug: $slug) {
      id
      auditLog(first: $first, after: $after, action: $action, actorId: $actorId, from: $from, to: $to) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            action
            actorLabel
            actor {
              id
              email
            }
            targetType
            targetId
            targetLabel
            before
            after
            ip
            userAgent
            createdAt
          }
        }
      }
    }
  }
`);

type AuditEvent = NonNullable<NonNullable<ResultOf<typeof AuditLogQuery>['organization']>['auditLog']>['edges'][number]['node'];

const PAGE_SIZE = 25;

// Families of actions (prefix filters end in ".").
const ACTIONS = [
  { value: 'membership.', label: 'Memberships (all)' },
  { value: 'members.provisioned', label: 'Members added' },
  { value: 'membership.roles_changed', label: 'Roles changed' },
  { value: 'membership.removed', label: 'Member removed' },
  { value: 'membership.status_changed', label: 'Member enabled/disabled' },
  { value: 'membership.left', label: 'Member left' },
  { value: 'user.', label: 'Users (all)' },
  { value: 'user.deleted', label: 'User deleted' },
  { value: 'user.password_reset', label: 'Password reset' },
  { value: 'role.', label: 'Roles (all)' },
  { value: 'organization.', label: 'Organization (all)' },
  { value: 'invitation.', label: 'Invitations (all)' },
];

function actionColor(action: string): string {
  if (/deleted|removed|revoked|left/.test(action)) return 'red';
  if (/created|provisioned|granted|accepted/.test(action)) return 'green';
  return 'indigo';
}

/** R13: the audit log, filtered and paged, downloadable as CSV or NDJSON by audit:read holders. */
export default function AuditPage() {
  const { org, perms } = useOrg();
  const [action, setAction] = useState<string | null>(null);
  const [actorId, setActorId] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<AuditEvent | null>(null);
  const page = cursors.length - 1;
  const variables = useMemo(
    () => ({
      slug: org.slug,
      first: PAGE_SIZE,
      after: cursors[page] ?? null,
      action,
      actorId,
      from: from ? new Date(`${from}T00:00:00`).toISOString() : null,
      to: to ? new Date(`${to}T23:59:59.999`).toISOString() : null,
    }),
    [org.slug, cursors, page, action, actorId, from, to],
  );
  const [result] = useQuery({ query: AuditLogQuery, variables, pause: !perms.has('audit:read') });
  const log = result.data?.organization?.auditLog;
  const reset = () => setCursors([null]);

  if (!perms.has('audit:read')) return <NotFoundPage title="No access" message="Reading the audit log needs the audit:read permission." />;

  async function download(format: 'csv' | 'ndjson') {
    const token = await freshAccessToken();
    const res = await fetch(`/audit/export?organization=${encodeURIComponent(org.slug)}&format=${format}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      credentials: 'same-origin',
    });
    if (!res.ok) {
      notifications.show({ color: 'red', title: 'Export failed', message: `The server answered ${res.status}.` });
      return;
    }
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `audit-${org.slug}-${new Date().toISOString().slice(0, 10)}.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const total = log?.totalCount ?? 0;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">Audit log</Title>
          <Text c="dimmed" size="sm">
            Every change in {org.name}: who did what, to whom, and when.
          </Text>
        </div>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button variant="default">Export ▾</Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => void download('csv')}>Download CSV</Menu.Item>
            <Menu.Item onClick={() => void download('ndjson')}>Download NDJSON</Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>

      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        <Select
          label="Action"
          placeholder="Any action"
          clearable
          data={ACTIONS}
          value={action}
          onChange={(v) => {
            setAction(v);
            reset();
          }}
        />
        <MemberPicker
          slug={org.slug}
          label="Actor"
          placeholder="Anyone: type to search"
          valueKind="user"
          clearable
          value={actorId}
          onChange={(v) => {
            setActorId(v);
            reset();
          }}
        />
        <TextInput
          label="From"
          type="date"
          value={from}
          onChange={(e) => {
            setFrom(e.currentTarget.value);
            reset();
          }}
        />
        <TextInput
          label="To"
          type="date"
          value={to}
          onChange={(e) => {
            setTo(e.currentTarget.value);
            reset();
          }}
        />
      </SimpleGrid>

      {result.error && !log && (
        <Alert color="red" title="Could not load the audit log">
          {result.error.message}
        </Alert>
      )}

      <div className="gh-table-scroll">
        <Table striped highlightOnHover miw={820} aria-label="Audit events">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Actor</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>IP</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {!log &&
              result.fetching && <SkeletonRows rows={6} columns={6} />}
            {log?.edges.map(({ node: e }) => (
              <Table.Tr key={e.id} data-testid="audit-row">
                <Table.Td className="gh-nowrap">
                  <Text size="sm">{formatDateTime(e.createdAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{e.actorLabel}</Text>
                </Table.Td>
                <Table.Td>
                  <Code bg={`var(--mantine-color-${actionColor(e.action)}-light)`} c={`var(--mantine-color-${actionColor(e.action)}-light-color)`} fz="xs">
                    {e.action}
                  </Code>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {e.targetLabel ?? e.targetId ?? '—'}
                    {e.targetType && (
                      <Text span c="dimmed" size="xs">
                        {' '}
                        ({e.targetType})
                      </Text>
                    )}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {e.ip ?? '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => setOpen(e)} aria-label={`Details of ${e.action} at ${formatDateTime(e.createdAt)}`}>
                    Details
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
            {log && log.edges.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text ta="center" c="dimmed" py="lg">
                    No events match these filters.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>

      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {total > 0 ? `${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + (log?.edges.length ?? 0)} of ${total}` : ''}
        </Text>
        <Group gap="xs">
          <Button variant="default" size="xs" disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </Button>
          <Button variant="default" size="xs" disabled={!log?.pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, log?.pageInfo.endCursor ?? null])}>
            Older
          </Button>
        </Group>
      </Group>

      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open?.action} size="lg">
        {open && (
          <Stack gap="sm">
            <Text size="sm">
              {formatDateTime(open.createdAt)} by {open.actorLabel}
              {open.ip ? ` from ${open.ip}` : ''}
            </Text>
            {open.userAgent && (
              <Text size="xs" c="dimmed">
                {open.userAgent}
              </Text>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <div>
                <Text size="sm" fw={600}>
                  Before
                </Text>
                <ScrollArea.Autosize mah={300}>
                  <Code block>{open.before == null ? '—' : JSON.stringify(open.before, null, 2)}</Code>
                </ScrollArea.Autosize>
              </div>
              <div>
                <Text size="sm" fw={600}>
                  After
                </Text>
                <ScrollArea.Autosize mah={300}>
                  <Code block>{open.after == null ? '—' : JSON.stringify(open.after, null, 2)}</Code>
                </ScrollArea.Autosize>
              </div>
            </SimpleGrid>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
