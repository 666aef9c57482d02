// /o/:slug/resources/:type — the resources of one type (OEC projects, Spaces spaces) the viewer may
// read (R1: restricted members see exactly theirs), with create and delete where the rules allow.
// Keyset-paginated `resourcesConnection`, the page in the URL (useUrlPaging + Pager, as Users/Audit).
import { useState } from 'react';
import { Alert, Anchor, Button, Group, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { expandPermissions, TEXT_LIMITS } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { failureMessage, fieldErrors } from '../../lib/errors.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { PageLoader } from '../../components/PageLoader.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import { useUrlPaging } from '../../lib/paging.ts';
import { Pager } from '../../lib/Pager.tsx';
import { CreateResourceMutation, DeleteResourceMutation, ResourcesQuery, type ResourceRowData } from './queries.ts';
import { createReason, deleteReason, resourceTypeOf } from './resource-ui-rules.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { resourceTypeLabel, resourceTypeNoun } from '../../i18n/data-names.ts';

export default function ResourcesPage() {
  const { type = '' } = useParams();
  const { org, preset, perms } = useOrg();
  const def = resourceTypeOf(preset.key, type);
  const paging = useUrlPaging();
  const [result, refetch] = useQuery({
    query: ResourcesQuery,
    variables: { slug: org.slug, type, first: paging.size, after: paging.after },
    pause: !def,
    requestPolicy: 'cache-and-network',
  });
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [{ fetching: creating }, create] = useMutation(CreateResourceMutation);
  const [, remove] = useMutation(DeleteResourceMutation);
  const [deleting, setDeleting] = useState<ResourceRowData | null>(null);

  if (!def) return <NotFoundPage title={t`Not found`} message={t`This platform has no resources of type "${type}".`} />;
  const cannotCreate = createReason(def, perms);
  const typeName = resourceTypeNoun(def.name);
  const pluralName = resourceTypeNoun(def.pluralName);

  const connection = result.data?.organization?.resourcesConnection;
  const rows = connection?.edges.map((e) => e.node) ?? [];

  const onCreate = async (e: React.FormEvent) => {
    e.preventDefault();
    const res = await create({ organizationId: org.id, type: def.key, name });
    const payload = res.data?.createResource;
    const failure = failureMessage(payload, res.error, 'Resource');
    if (failure) {
      setNameError(fieldErrors(payload).name ?? failure);
      return;
    }
    setName('');
    setNameError(null);
    notifications.show({ color: 'green', message: t`${resourceTypeLabel(def.name)} created.` });
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <Stack gap="md">
      <Title order={1}>{resourceTypeLabel(def.pluralName)}</Title>
      <Text c="dimmed">{def.description}</Text>
      <form onSubmit={onCreate} aria-label={t`Create a ${typeName}`}>
        <Group align="flex-end">
          <TextInput
            label={t`New ${typeName} name`}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            maxLength={100}
            error={nameError}
            disabled={cannotCreate !== null}
            description={cannotCreate ?? undefined}
            style={{ flex: 1, maxWidth: 420 }}
            data-max={TEXT_LIMITS.name}
          />
          <Button type="submit" loading={creating} disabled={cannotCreate !== null || name.trim() === ''}>
            <Trans>Create {typeName}</Trans>
          </Button>
        </Group>
      </form>
      {result.error && <Alert color="red">{result.error.message}</Alert>}
      {result.fetching && !result.data ? (
        <PageLoader />
      ) : rows.length === 0 && paging.page === 0 ? (
        <Text><Trans>No {pluralName} you can see yet.</Trans></Text>
      ) : (
        <Table striped highlightOnHover aria-label={resourceTypeLabel(def.pluralName)}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th><Trans>Name</Trans></Table.Th>
              <Table.Th><Trans>Created by</Trans></Table.Th>
              <Table.Th><Trans>Actions</Trans></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => {
              const cannotDelete = deleteReason(def, expandPermissions(r.viewerPermissions));
              return (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/o/${org.slug}/resources/${def.key}/${encodeURIComponent(r.id)}`}>
                      {r.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{r.createdBy?.email ?? '—'}</Table.Td>
                  <Table.Td>
                    <Tooltip label={cannotDelete} disabled={!cannotDelete}>
                      <span>
                        <Button size="xs" color="red" variant="light" disabled={cannotDelete !== null} onClick={() => setDeleting(r)} aria-label={`Delete ${r.name}`}>
                          <Trans>Delete</Trans>
                        </Button>
                      </span>
                    </Tooltip>
                    {cannotDelete && <Text size="xs" c="dimmed">{cannotDelete}</Text>}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Pager
        paging={paging}
        total={connection?.totalCount}
        shown={rows.length}
        hasNext={Boolean(connection?.pageInfo.hasNextPage)}
        endCursor={connection?.pageInfo.endCursor}
        noun={resourceTypeNoun(def.pluralName)}
      />
      <ConfirmDialog
        opened={deleting !== null}
        title={t`Delete ${typeName}`}
        confirmLabel={t`Delete`}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          const res = await remove({ resourceId: deleting!.id });
          const failure = failureMessage(res.data?.deleteResource, res.error, 'DeletedResourcePayload');
          if (failure) return failure;
          setDeleting(null);
          refetch({ requestPolicy: 'network-only' });
          return null;
        }}
      >
        <Text>
          <Trans>Delete <b>{deleting?.name}</b> and every member&apos;s role on it? This cannot be undone.</Trans>

        </Text>
      </ConfirmDialog>
    </Stack>
  );
}
