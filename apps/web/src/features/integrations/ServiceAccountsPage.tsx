import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { checkGrant, ORG_OWN, expandPermissions } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import {
  CreateServiceAccountKeyMutation,
  CreateServiceAccountMutation,
  RevokeServiceAccountKeyMutation,
  RotateServiceAccountKeyMutation,
  ServiceAccountsQuery,
  SetServiceAccountStatusMutation,
} from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { formatDateTime } from '../../i18n/format.ts';
import { readError } from '../../lib/errors.ts';
import { roleLabel } from '../../i18n/data-names.ts';

const when = formatDateTime;

/** Roles one may give a service account: within one's own permissions (R3), never one holding org:own. */
export function assignableRoles<R extends { permissions: readonly string[] }>(roles: readonly R[], perms: ReadonlySet<string>): R[] {
  return roles.filter((r) => !expandPermissions(r.permissions).has(ORG_OWN) && checkGrant(perms, r).ok);
}

/** R23: Organization → Service accounts: create with roles, issue, rotate and revoke keys (secret shown once), disable. */
export function ServiceAccountsPanel({ orgId, slug, perms }: { orgId: string; slug: string; perms: ReadonlySet<string> }) {
  const [{ data, fetching }, refetch] = useQuery({ query: ServiceAccountsQuery, variables: { orgId, slug } });
  const [, createAccount] = useMutation(CreateServiceAccountMutation);
  const [, createKey] = useMutation(CreateServiceAccountKeyMutation);
  const [, rotateKey] = useMutation(RotateServiceAccountKeyMutation);
  const [, revokeKey] = useMutation(RevokeServiceAccountKeyMutation);
  const [, setStatus] = useMutation(SetServiceAccountStatusMutation);
  const [name, setName] = useState('');
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ account: string; value: string } | null>(null);
  if (fetching && !data) return <PageLoader />;
  const roles = assignableRoles(data?.organization?.roles ?? [], perms);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const submit = async () => {
    if (!name.trim() || roleIds.length === 0) return setProblem(t`Give it a name and at least one role`);
    const res = await createAccount({ input: { organizationId: orgId, name: name.trim(), roleIds } });
    const out = res.data?.createServiceAccount;
    if (out?.__typename !== 'ServiceAccount') return setProblem(readError(out)?.message ?? t`Not created`);
    setProblem(null);
    setName('');
    setRoleIds([]);
    reload();
  };
  const showSecret = (account: string, out: { __typename: string; secret?: string; message?: string } | undefined) => {
    if (out && 'secret' in out && out.secret) setSecret({ account, value: out.secret });
    else setProblem(out?.message ?? t`The key could not be issued`);
    reload();
  };

  return (
    <Stack gap="lg">
      <Title order={2}><Trans>Service accounts</Trans></Title>
      <Text c="dimmed"><Trans>Non-human members of this organization: roles like a member’s, API keys, OAuth client credentials.</Trans></Text>
      {secret && (
        <Alert color="green" title={t`New key for ${secret.account}: copy it now, it is shown only once`} role="status">
          <Group wrap="nowrap">
            <Code data-testid="new-key-secret">{secret.value}</Code>
            <CopyButton value={secret.value}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? t`Copied` : t`Copy`}</Button>}</CopyButton>
            <Button size="xs" variant="subtle" onClick={() => setSecret(null)}><Trans>Done</Trans></Button>
          </Group>
        </Alert>
      )}
      {problem && <Alert color="red">{problem}</Alert>}
      <Paper withBorder p="md">
        <form aria-label={t`New service account`} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <Stack>
            <TextInput label={t`Name`} value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={100} />
            <Checkbox.Group label={t`Roles (those you may grant)`} value={roleIds} onChange={setRoleIds}>
              <SimpleGrid cols={{ base: 1, sm: 3 }} mt="xs">
                {roles.map((r) => <Checkbox key={r.id} value={r.id} label={roleLabel(r)} />)}
              </SimpleGrid>
            </Checkbox.Group>
            <Group><Button type="submit"><Trans>Create service account</Trans></Button></Group>
          </Stack>
        </form>
      </Paper>
      {(data?.serviceAccounts ?? []).map((a) => (
        <Paper key={a.id} withBorder p="md" aria-label={t`Service account ${a.name}`} component="section">
          <Group justify="space-between">
            <Stack gap={2}>
              <Group gap="xs"><Text fw={600}>{a.name}</Text><Badge color={a.status === 'ACTIVE' ? 'green' : 'gray'}>{a.status === 'ACTIVE' ? t`Active` : t`Disabled`}</Badge></Group>
              <Text size="sm" c="dimmed"><Trans>Roles: {a.roles.map(roleLabel).join(', ') || '—'} · client_id <Code>{a.clientId}</Code></Trans></Text>
            </Stack>
            <Group>
              <Button size="xs" onClick={async () => showSecret(a.name, (await createKey({ input: { serviceAccountId: a.id, name: `key ${a.keys.length + 1}` } })).data?.createServiceAccountKey)}><Trans>New key</Trans></Button>
              <Button size="xs" variant="light" onClick={async () => { await setStatus({ id: a.id, status: a.status === 'ACTIVE' ? 'DISABLED' : 'ACTIVE' }); reload(); }}>
                {a.status === 'ACTIVE' ? t`Disable` : t`Enable`}
              </Button>
            </Group>
          </Group>
          {a.keys.length > 0 && (
            <Table mt="sm" aria-label={t`Keys of ${a.name}`}>
              <Table.Thead><Table.Tr><Table.Th><Trans>Key</Trans></Table.Th><Table.Th><Trans>Last used</Trans></Table.Th><Table.Th><Trans>From</Trans></Table.Th><Table.Th><Trans>Expires</Trans></Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {a.keys.map((k) => (
                  <Table.Tr key={k.id}>
                    <Table.Td>{k.name} <Text span c="dimmed" size="xs">…{k.hint}</Text> {!k.active && <Badge color="gray"><Trans>Inactive</Trans></Badge>}</Table.Td>
                    <Table.Td>{when(k.lastUsedAt)}</Table.Td>
                    <Table.Td>{k.lastUsedIp ?? '—'}</Table.Td>
                    <Table.Td>{k.expiresAt ? when(k.expiresAt) : t`Never`}</Table.Td>
                    <Table.Td>
                      {k.active && (
                        <Group gap="xs">
                          <Button size="xs" variant="light" aria-label={t`Rotate ${k.name}`} onClick={async () => showSecret(a.name, (await rotateKey({ keyId: k.id })).data?.rotateServiceAccountKey)}><Trans>Rotate</Trans></Button>
                          <Button size="xs" color="red" variant="light" aria-label={t`Revoke ${k.name}`} onClick={async () => { await revokeKey({ keyId: k.id }); reload(); }}><Trans>Revoke</Trans></Button>

                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      ))}
    </Stack>
  );
}

export default function ServiceAccountsPage() {
  const { org, perms } = useOrg();
  return <ServiceAccountsPanel orgId={org.id} slug={org.slug} perms={perms} />;
}
