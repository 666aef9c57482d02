import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { ORG_OWN } from '@gatehouse/permissions';
import { usableMemberships, useViewer, type Viewer } from '../../app/viewer.ts';
import { AccessTokensQuery, CreateAccessTokenMutation, RevokeAccessTokenMutation, type AccessToken } from './queries.ts';

const EXPIRY_CHOICES = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '366', label: '1 year' },
  { value: 'never', label: 'No expiry' },
];

/** Organizations where the viewer may create tokens, with what a token there may carry (their own permissions, never org:own). */
export function tokenOrganizations(viewer: Viewer | null) {
  return usableMemberships(viewer)
    .filter((m) => m.organization.viewerPermissions.includes('tokens:create'))
    .map((m) => ({ id: m.organization.id, name: m.organization.name, permissions: m.organization.viewerPermissions.filter((p) => p !== ORG_OWN) }));
}

const when = (value: string | null | undefined) => (value ? new Date(value).toLocaleString() : '—');

/** R23: create (a subset of one's own permissions, shown as checkboxes), copy once, list, revoke. */
export function AccessTokensPanel({ viewer }: { viewer: Viewer | null }) {
  const orgs = useMemo(() => tokenOrganizations(viewer), [viewer]);
  const [orgId, setOrgId] = useState<string | null>(orgs[0]?.id ?? null);
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState<string>('90');
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState<string | null>(null);
  const [{ data }, refetch] = useQuery({ query: AccessTokensQuery });
  const [creating, create] = useMutation(CreateAccessTokenMutation);
  const [, revoke] = useMutation(RevokeAccessTokenMutation);
  const org = orgs.find((o) => o.id === orgId);

  const submit = async () => {
    const problems: Record<string, string> = {};
    if (!name.trim()) problems['name'] = 'Give the token a name';
    if (chosen.length === 0) problems['permissions'] = 'Choose at least one permission';
    setErrors(problems);
    if (Object.keys(problems).length || !orgId) return;
    const res = await create({ input: { organizationId: orgId, name: name.trim(), permissions: chosen, expiresInDays: expiry === 'never' ? null : Number(expiry) } });
    const out = res.data?.createPersonalAccessToken;
    if (out?.__typename === 'CreatedPersonalAccessToken') {
      setSecret(out.secret);
      setName('');
      setChosen([]);
      refetch({ requestPolicy: 'network-only' });
    } else if (out && 'issues' in out && out.issues) {
      setErrors(Object.fromEntries(out.issues.map((i) => [String(i.path[1] ?? i.path[0]), i.message])));
    } else {
      setErrors({ form: out && 'message' in out ? out.message : 'The token could not be created' });
    }
  };

  const tokens: AccessToken[] = data?.personalAccessTokens ?? [];
  return (
    <Stack gap="lg">
      <Title order={2}>Access tokens</Title>
      <Text c="dimmed">
        A personal access token acts for you in one organization with the permissions you choose, never more than you hold
        there now. Send it as <Code>Authorization: Bearer …</Code>.
      </Text>
      {secret && (
        <Alert color="green" title="Copy your new token now: it is shown only once" role="status">
          <Group wrap="nowrap">
            <Code data-testid="new-token-secret">{secret}</Code>
            <CopyButton value={secret}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            <Button size="xs" variant="subtle" onClick={() => setSecret(null)}>Done</Button>
          </Group>
        </Alert>
      )}
      {orgs.length === 0 ? (
        <Text>You may not create tokens in any of your organizations.</Text>
      ) : (
        <form aria-label="New access token" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <Stack>
            <Group grow align="flex-start">
              <Select label="Organization" data={orgs.map((o) => ({ value: o.id, label: o.name }))} value={orgId} onChange={(v) => { setOrgId(v); setChosen([]); }} allowDeselect={false} />
              <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors['name']} maxLength={100} />
              <Select label="Expires" data={EXPIRY_CHOICES} value={expiry} onChange={(v) => setExpiry(v ?? '90')} allowDeselect={false} />
            </Group>
            <Checkbox.Group label="Permissions (only those you hold)" value={chosen} onChange={setChosen} error={errors['permissions']}>
              <SimpleGrid cols={{ base: 1, sm: 3 }} mt="xs">
                {(org?.permissions ?? []).map((p) => <Checkbox key={p} value={p} label={p} />)}
              </SimpleGrid>
            </Checkbox.Group>
            {errors['form'] && <Alert color="red">{errors['form']}</Alert>}
            <Group><Button type="submit" loading={creating.fetching}>Create token</Button></Group>
          </Stack>
        </form>
      )}
      <Table aria-label="Your access tokens" striped>
        <Table.Thead>
          <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Organization</Table.Th><Table.Th>Permissions</Table.Th><Table.Th>Last used</Table.Th><Table.Th>Expires</Table.Th><Table.Th>Status</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>{t.name} <Text span c="dimmed" size="xs">…{t.hint}</Text></Table.Td>
              <Table.Td>{t.organization?.name ?? '—'}</Table.Td>
              <Table.Td>{t.permissions.join(', ')}</Table.Td>
              <Table.Td>{when(t.lastUsedAt)}</Table.Td>
              <Table.Td>{t.expiresAt ? when(t.expiresAt) : 'Never'}</Table.Td>
              <Table.Td>{t.active ? <Badge color="green">Active</Badge> : <Badge color="gray">{t.revokedAt ? 'Revoked' : 'Expired'}</Badge>}</Table.Td>
              <Table.Td>
                {t.active && (
                  <Button size="xs" color="red" variant="light" aria-label={`Revoke ${t.name}`} onClick={() => void revoke({ tokenId: t.id })}>
                    Revoke
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export default function AccessTokensPage() {
  const { viewer } = useViewer();
  return <AccessTokensPanel viewer={viewer} />;
}
