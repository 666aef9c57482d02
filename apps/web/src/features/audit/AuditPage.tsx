import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { AUDIT_ACTIONS, AUDIT_FAMILY_LABELS, auditFamilyFilter, type AuditActionFamily } from '@gatehouse/permissions';
import { Alert, Button, Code, Group, Menu, Modal, ScrollArea, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from 'urql';
import { graphql, type ResultOf } from '../../graphql/graphql.ts';
import { MemberPicker } from '../../components/MemberPicker.tsx';
import { useOrg } from '../orgs/org-context.ts';
import { freshAccessToken } from '../../app/tokens.ts';
import { formatDateTime } from '../../i18n/format.ts';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { SkeletonRows } from '../../components/SkeletonRows.tsx';
import { useUrlPaging, withoutPage } from '../../lib/paging.ts';
import { Pager } from '../../lib/Pager.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { auditActionLabel, auditFamilyLabel } from '../../i18n/audit-labels.ts';

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

// Filters from the catalog the API writes with (packages/permissions): each family (a prefix
// ending in ".") followed by its actions, so no filter names an action nobody records.
const actionOptions = () =>
  (Object.keys(AUDIT_FAMILY_LABELS) as AuditActionFamily[]).map((family) => {
    const familyLabel = auditFamilyLabel(family);
    return {
      group: familyLabel,
      items: [
        { value: auditFamilyFilter(family), label: t`${familyLabel} (all)` },
        ...AUDIT_ACTIONS.filter((action) => action.startsWith(`${family}.`)).map((action) => ({ value: action, label: auditActionLabel(action) })),
      ],
    };
  });

function actionColor(action: string): string {
  if (/deleted|removed|revoked|left/.test(action)) return 'red';
  if (/created|provisioned|granted|accepted/.test(action)) return 'green';
  return 'indigo';
}

/** R13: the audit log, filtered and paged, downloadable as CSV or NDJSON by audit:read holders. */
export default function AuditPage() {
  const { org, perms } = useOrg();
  // Filters and page live in the URL: a link or a reload shows the same events.
  const [params, setParams] = useSearchParams();
  const paging = useUrlPaging();
  const action = params.get('action');
  const actorId = params.get('actor');
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const setFilter = (name: string, value: string | null) => {
    const next = withoutPage(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const [open, setOpen] = useState<AuditEvent | null>(null);
  const filters = useMemo(
    () => ({
      action,
      actorId,
      from: from ? new Date(`${from}T00:00:00`).toISOString() : null,
      to: to ? new Date(`${to}T23:59:59.999`).toISOString() : null,
    }),
    [action, actorId, from, to],
  );
  const variables = useMemo(() => ({ slug: org.slug, first: paging.size, after: paging.after, ...filters }), [org.slug, paging.size, paging.after, filters]);
  const [result] = useQuery({ query: AuditLogQuery, variables, pause: !perms.has('audit:read') });
  const log = result.data?.organization?.auditLog;

  if (!perms.has('audit:read')) return <NotFoundPage title={t`No access`} message={t`Reading the audit log needs the audit:read permission.`} />;

  async function download(format: 'csv' | 'ndjson') {
    const token = await freshAccessToken();
    // The download holds what the filtered list shows (the same filters, every page).
    const query = new URLSearchParams({ organization: org.slug, format });
    if (filters.action) query.set('action', filters.action);
    if (filters.actorId) query.set('actor', filters.actorId);
    if (filters.from) query.set('from', filters.from);
    if (filters.to) query.set('to', filters.to);
    const res = await fetch(`/audit/export?${query}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      credentials: 'same-origin',
    });
    if (!res.ok) {
      notifications.show({ color: 'red', title: t`Export failed`, message: t`The server answered ${res.status}.` });
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
          <Title order={1} size="h2"><Trans>Audit log</Trans></Title>
          <Text c="dimmed" size="sm">
            <Trans>Every change in {org.name}: who did what, to whom, and when.</Trans>
          </Text>
        </div>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button variant="default"><Trans>Export ▾</Trans></Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => void download('csv')}><Trans>Download CSV</Trans></Menu.Item>
            <Menu.Item onClick={() => void download('ndjson')}><Trans>Download NDJSON</Trans></Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>

      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        <Select
          label={t`Action`}
          placeholder={t`Any action`}
          clearable
          searchable
          data={actionOptions()}
          value={action}
          onChange={(v) => setFilter('action', v)}
        />
        <MemberPicker
          slug={org.slug}
          label={t`Actor`}
          placeholder={t`Anyone: type to search`}
          valueKind="user"
          clearable
          value={actorId}
          onChange={(v) => setFilter('actor', v)}
        />
        <TextInput
          label={t`From`}
          type="date"
          value={from}
          onChange={(e) => setFilter('from', e.currentTarget.value)}
        />
        <TextInput
          label={t`To`}
          type="date"
          value={to}
          onChange={(e) => setFilter('to', e.currentTarget.value)}
        />
      </SimpleGrid>

      {result.error && !log && (
        <Alert color="red" title={t`Could not load the audit log`}>
          {result.error.message}
        </Alert>
      )}

      <div className="gh-table-scroll">
        <Table striped highlightOnHover miw={820} aria-label={t`Audit events`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th><Trans>When</Trans></Table.Th>
              <Table.Th><Trans>Actor</Trans></Table.Th>
              <Table.Th><Trans>Action</Trans></Table.Th>
              <Table.Th><Trans>Target</Trans></Table.Th>
              <Table.Th><Trans>IP</Trans></Table.Th>
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
                  <Button size="compact-xs" variant="subtle" onClick={() => setOpen(e)} aria-label={t`Details of ${e.action} at ${formatDateTime(e.createdAt)}`}>
                    <Trans>Details</Trans>
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
            {log && log.edges.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text ta="center" c="dimmed" py="lg">
                    <Trans>No events match these filters.</Trans>
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>

      <Pager paging={paging} total={total} shown={log?.edges.length ?? 0} hasNext={Boolean(log?.pageInfo.hasNextPage)} endCursor={log?.pageInfo.endCursor} noun={t`events`} />

      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open?.action} size="lg">
        {open && (
          <Stack gap="sm">
            <Text size="sm">
              {open.ip ? t`${formatDateTime(open.createdAt)} by ${open.actorLabel} from ${open.ip}` : t`${formatDateTime(open.createdAt)} by ${open.actorLabel}`}
            </Text>
            {open.userAgent && (
              <Text size="xs" c="dimmed">
                {open.userAgent}
              </Text>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <div>
                <Text size="sm" fw={600}>
                  <Trans>Before</Trans>
                </Text>
                <ScrollArea.Autosize mah={300}>
                  <Code block>{open.before == null ? '—' : JSON.stringify(open.before, null, 2)}</Code>
                </ScrollArea.Autosize>
              </div>
              <div>
                <Text size="sm" fw={600}>
                  <Trans>After</Trans>

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
