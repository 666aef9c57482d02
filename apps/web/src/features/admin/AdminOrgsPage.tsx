import { useState } from 'react';
import { Alert, Anchor, Button, Group, Modal, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';
import { useUrlPaging } from '../../lib/paging.ts';
import { Pager } from '../../lib/Pager.tsx';
import { useViewer } from '../../app/viewer.ts';
import { failureMessage, fieldErrors, readError } from '../../lib/errors.ts';
import { formatDate } from '../../i18n/format.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { SetOrganizationStatusMutation } from '../settings/SettingsPage.tsx';
import { DisableOrganizationDialog } from '../settings/DisableOrganizationDialog.tsx';
import { SkeletonRows } from '../../components/SkeletonRows.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const OrganizationsQuery = graphql(`
  query AdminOrganizations($first: Int!, $after: String, $search: String) {
    organizations(first: $first, after: $after, search: $search) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          slug
          name
          status
          createdAt
        }
      }
    }
  }
`);

const UserChoicesQuery = graphql(`
  query UserChoices($search: String) {
    users(first: 20, search: $search) {
      edges {
        node {
          id
          email
          displayName
        }
      }
    }
  }
`);

const CreateOrganizationMutation = graphql(
  `
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on Organization {
        id
        slug
        name
        status
        createdAt
      }
      ...ErrorFields
      ... on ConflictError {
        path
      }
    }
  }
`,
  [ErrorFields],
);


/** Platform admin (R15): every organization; create, enable and disable. */
export default function AdminOrgsPage() {
  const { viewer } = useViewer();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const paging = useUrlPaging();
  const [creating, setCreating] = useState(false);
  const [disabling, setDisabling] = useState<{ id: string; slug: string; name: string } | null>(null);
  const [result] = useQuery({ query: OrganizationsQuery, variables: { first: paging.size, after: paging.after, search: debounced || null }, pause: !viewer?.isPlatformAdmin });
  const [, setStatus] = useMutation(SetOrganizationStatusMutation);
  if (!viewer?.isPlatformAdmin) return <NotFoundPage title={t`Platform administrators only`} message={t`This area manages every organization of the platform.`} />;
  const orgs = result.data?.organizations;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2"><Trans>All organizations</Trans></Title>
          <Text c="dimmed" size="sm">
            <Trans>Every organization on this platform.</Trans>
          </Text>
        </div>
        <Button onClick={() => setCreating(true)}><Trans>New organization</Trans></Button>
      </Group>
      <TextInput
        label={t`Search`}
        placeholder={t`Name or slug`}
        type="search"
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          if (paging.page > 0) paging.first();
        }}
        maw={320}
      />
      {result.error && !orgs && <Alert color="red">{result.error.message}</Alert>}
      <div className="gh-table-scroll">
        <Table striped highlightOnHover miw={640} aria-label={t`Organizations`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th><Trans>Name</Trans></Table.Th>
              <Table.Th><Trans>Slug</Trans></Table.Th>
              <Table.Th><Trans>Status</Trans></Table.Th>
              <Table.Th><Trans>Created</Trans></Table.Th>
              <Table.Th><Trans>Enabled</Trans></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {!orgs &&
              result.fetching && <SkeletonRows rows={4} columns={5} />}
            {orgs?.edges.map(({ node: o }) => (
              <Table.Tr key={o.id} data-testid={`org-row-${o.slug}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/o/${o.slug}/users`} fw={500} size="sm">
                    {o.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {o.slug}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={o.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDate(o.createdAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Switch
                    aria-label={t`${o.name} enabled`}
                    checked={o.status === 'ACTIVE'}
                    onChange={async (e) => {
                      const status = e.currentTarget.checked ? 'ACTIVE' : 'DISABLED';
                      if (status === 'DISABLED') return setDisabling(o);
                      const res = await setStatus({ organizationId: o.id, status });
                      const message = failureMessage(res.data?.setOrganizationStatus, res.error, 'Organization');
                      notifications.show(message ? { color: 'red', message } : { color: 'green', message: t`${o.name} is enabled.` });
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
            {orgs && orgs.edges.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text ta="center" c="dimmed" py="lg">
                    <Trans>No organization matches.</Trans>
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>
      <Pager paging={paging} shown={orgs?.edges.length ?? 0} hasNext={Boolean(orgs?.pageInfo.hasNextPage)} endCursor={orgs?.pageInfo.endCursor} noun={t`organizations`} />
      <DisableOrganizationDialog org={disabling} onClose={() => setDisabling(null)} />
      {creating && <CreateOrganizationDialog onClose={() => setCreating(false)} />}
    </Stack>
  );
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
}

function CreateOrganizationDialog({ onClose }: { onClose(): void }) {
  const { viewer } = useViewer();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const [ownerSearch, setOwnerSearch] = useState('');
  const [debounced] = useDebouncedValue(ownerSearch, 250);
  const [ownerId, setOwnerId] = useState<string | null>(viewer?.id ?? null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [users] = useQuery({ query: UserChoicesQuery, variables: { search: debounced || null } });
  const [, create] = useMutation(CreateOrganizationMutation);
  const choices = new Map((users.data?.users.edges ?? []).map((e) => [e.node.id, `${e.node.displayName} <${e.node.email}>`]));
  if (viewer && !choices.has(viewer.id)) choices.set(viewer.id, t`${viewer.displayName} <${viewer.email}> (you)`);

  async function submit() {
    setBusy(true);
    setErrors({});
    setFormError(null);
    const res = await create({ input: { name: name.trim(), slug: slug.trim() || null, ownerUserId: ownerId } });
    setBusy(false);
    const payload = res.data?.createOrganization;
    if (payload?.__typename === 'Organization') {
      notifications.show({ color: 'green', message: t`${payload.name} created.` });
      onClose();
      if (ownerId === viewer?.id) navigate(`/o/${payload.slug}/users`);
      return;
    }
    if (payload?.__typename === 'ValidationError') return setErrors(fieldErrors(payload));
    if (payload?.__typename === 'ConflictError') return setErrors({ [payload.path.at(-1) ?? 'slug']: readError(payload)?.message ?? '' });
    setFormError(failureMessage(payload, res.error, 'Organization'));
  }

  return (
    <Modal opened onClose={onClose} title={t`New organization`}>
      <Stack gap="sm">
        <TextInput
          label={t`Name`}
          required
          data-autofocus
          value={name}
          error={errors.name}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setName(value);
            if (!slugTouched) setSlug(slugify(value));
          }}
        />
        <TextInput
          label={t`Slug`}
          description={t`Lowercase letters, digits and dashes; used in addresses.`}
          value={slug}
          error={errors.slug}
          onChange={(e) => {
            setSlug(e.currentTarget.value);
            setSlugTouched(true);
          }}
        />
        <Select
          label={t`Owner`}
          description={t`Holds the top role of the new organization.`}
          searchable
          searchValue={ownerSearch}
          onSearchChange={setOwnerSearch}
          data={[...choices].map(([value, label]) => ({ value, label }))}
          value={ownerId}
          onChange={setOwnerId}
          error={errors.ownerUserId}
          nothingFoundMessage={t`No user found`}
        />
        {formError && (
          <Alert color="red" variant="light" role="alert">
            {formError}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            <Trans>Cancel</Trans>
          </Button>
          <Button onClick={() => void submit()} loading={busy} disabled={!name.trim()}>
            <Trans>Create organization</Trans>

          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
