import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { ORG_OWN } from '@gatehouse/permissions';
import { usableMemberships, useViewer, type Viewer } from '../../app/viewer.ts';
import { readFragment, type FragmentOf } from '../../graphql/graphql.ts';
import { AccessTokenFields, AccessTokensQuery, CreateAccessTokenMutation, RevokeAccessTokenMutation } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { formatDateTime } from '../../i18n/format.ts';
import { readError } from '../../lib/errors.ts';

const expiryChoices = () => [
  { value: '30', label: t`30 days` },
  { value: '90', label: t`90 days` },
  { value: '366', label: t`1 year` },
  { value: 'never', label: t`No expiry` },
];

/** Organizations where the viewer may create tokens, with what a token there may carry (their own permissions, never org:own). */
export function tokenOrganizations(viewer: Viewer | null) {
  return usableMemberships(viewer)
    .filter((m) => m.organization.viewerPermissions.includes('tokens:create'))
    .map((m) => ({ id: m.organization.id, name: m.organization.name, permissions: m.organization.viewerPermissions.filter((p) => p !== ORG_OWN) }));
}

const when = formatDateTime;

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
    if (!name.trim()) problems['name'] = t`Give the token a name`;
    if (chosen.length === 0) problems['permissions'] = t`Choose at least one permission`;
    setErrors(problems);
    if (Object.keys(problems).length || !orgId) return;
    const res = await create({ input: { organizationId: orgId, name: name.trim(), permissions: chosen, expiresInDays: expiry === 'never' ? null : Number(expiry) } });
    const out = res.data?.createPersonalAccessToken;
    if (out?.__typename === 'CreatedPersonalAccessToken') {
      setSecret(out.secret);
      setName('');
      setChosen([]);
      refetch({ requestPolicy: 'network-only' });
    } else if (readError(out)?.issues.length) {
      setErrors(Object.fromEntries((readError(out)?.issues ?? []).map((i) => [String(i.path[1] ?? i.path[0]), i.message])));
    } else {
      setErrors({ form: readError(out)?.message ?? t`The token could not be created` });
    }
  };

  const tokens = data?.personalAccessTokens ?? [];
  return (
    <Stack gap="lg">
      <Title order={2}><Trans>Access tokens</Trans></Title>
      <Text c="dimmed">
        <Trans>
          A personal access token acts for you in one organization with the permissions you choose, never more than you hold
          there now. Send it as <Code>Authorization: Bearer …</Code>.
        </Trans>
      </Text>
      {secret && (
        <Alert color="green" title={t`Copy your new token now: it is shown only once`} role="status">
          <Group wrap="nowrap">
            <Code data-testid="new-token-secret">{secret}</Code>
            <CopyButton value={secret}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? t`Copied` : t`Copy`}</Button>}</CopyButton>
            <Button size="xs" variant="subtle" onClick={() => setSecret(null)}><Trans>Done</Trans></Button>
          </Group>
        </Alert>
      )}
      {orgs.length === 0 ? (
        <Text><Trans>You may not create tokens in any of your organizations.</Trans></Text>
      ) : (
        <form aria-label={t`New access token`} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <Stack>
            <Group grow align="flex-start">
              <Select label={t`Organization`} data={orgs.map((o) => ({ value: o.id, label: o.name }))} value={orgId} onChange={(v) => { setOrgId(v); setChosen([]); }} allowDeselect={false} />
              <TextInput label={t`Name`} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors['name']} maxLength={100} />
              <Select label={t`Expires`} data={expiryChoices()} value={expiry} onChange={(v) => setExpiry(v ?? '90')} allowDeselect={false} />
            </Group>
            <Checkbox.Group label={t`Permissions (only those you hold)`} value={chosen} onChange={setChosen} error={errors['permissions']}>
              <SimpleGrid cols={{ base: 1, sm: 3 }} mt="xs">
                {(org?.permissions ?? []).map((p) => <Checkbox key={p} value={p} label={p} />)}
              </SimpleGrid>
            </Checkbox.Group>
            {errors['form'] && <Alert color="red">{errors['form']}</Alert>}
            <Group><Button type="submit" loading={creating.fetching}><Trans>Create token</Trans></Button></Group>
          </Stack>
        </form>
      )}
      <Table aria-label={t`Your access tokens`} striped>
        <Table.Thead>
          <Table.Tr><Table.Th><Trans>Name</Trans></Table.Th><Table.Th><Trans>Organization</Trans></Table.Th><Table.Th><Trans>Permissions</Trans></Table.Th><Table.Th><Trans>Last used</Trans></Table.Th><Table.Th><Trans>Expires</Trans></Table.Th><Table.Th><Trans>Status</Trans></Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((token) => (
            <AccessTokenRow key={token.id} token={token} onRevoke={(tokenId) => void revoke({ tokenId })} />
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** One token of the list (owns AccessTokenFields). */
function AccessTokenRow({ token: ref, onRevoke }: { token: FragmentOf<typeof AccessTokenFields>; onRevoke(tokenId: string): void }) {
  const token = readFragment(AccessTokenFields, ref);
  return (
    <Table.Tr>
      <Table.Td>{token.name} <Text span c="dimmed" size="xs">…{token.hint}</Text></Table.Td>
      <Table.Td>{token.organization?.name ?? '—'}</Table.Td>
      <Table.Td>{token.permissions.join(', ')}</Table.Td>
      <Table.Td>{when(token.lastUsedAt)}</Table.Td>
      <Table.Td>{token.expiresAt ? when(token.expiresAt) : t`Never`}</Table.Td>
      <Table.Td>{token.active ? <Badge color="green"><Trans>Active</Trans></Badge> : <Badge color="gray">{token.revokedAt ? t`Revoked` : t`Expired`}</Badge>}</Table.Td>
      <Table.Td>
        {token.active && (
          <Button size="xs" color="red" variant="light" aria-label={t`Revoke ${token.name}`} onClick={() => onRevoke(token.id)}>
            <Trans>Revoke</Trans>
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export default function AccessTokensPage() {
  const { viewer } = useViewer();
  return <AccessTokensPanel viewer={viewer} />;
}
