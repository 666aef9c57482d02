// /o/:slug/resources/:type/:resourceId — one resource and its members: add a member of the
// organization with a resource role, change it, remove it. Every control is disabled with its
// reason when the shared rules say no (R3 ceiling, R4 self, R19 cap by org role).
import { useState } from 'react';
import { Alert, Anchor, Button, Group, Select, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { expandPermissions, TEXT_LIMITS, type ResourceTypeDef } from '@gatehouse/permissions';
import { useOrg } from '../orgs/org-context.ts';
import { readFragment, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';
import { failureMessage } from '../../lib/errors.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import NotFoundPage from '../../components/NotFoundPage.tsx';
import {
  CandidateSearchQuery,
  GrantResourceRoleMutation,
  RenameResourceFields,
  RenameResourceMutation,
  ResourceMembersFields,
  ResourceQuery,
  RevokeResourceRoleMutation,
  type ResourceMemberData,
} from './queries.ts';
import { manageReason, removeReason, renameReason, resourceTypeOf, roleChoices } from './resource-ui-rules.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { resourceTypeLabel, resourceTypeNoun, roleLabel } from '../../i18n/data-names.ts';

const PAGE = 50;

export default function ResourcePage() {
  const { type = '', resourceId = '' } = useParams();
  const { org, preset } = useOrg();
  const def = resourceTypeOf(preset.key, type);
  const [result, refetch] = useQuery({ query: ResourceQuery, variables: { id: resourceId, first: PAGE }, pause: !def, requestPolicy: 'cache-and-network' });
  if (!def) return <NotFoundPage title={t`Not found`} message={t`This platform has no resources of type "${type}".`} />;
  if (result.fetching && !result.data) return <PageLoader />;
  const resource = result.data?.resource;
  const typeName = resourceTypeNoun(def.name);
  if (!resource) return <NotFoundPage title={t`${resourceTypeLabel(def.name)} not found`} message={t`There is no ${typeName} with this id that you can see.`} />;
  return <ResourceMembers def={def} resource={resource} orgSlug={org.slug} onChanged={() => refetch({ requestPolicy: 'network-only' })} />;
}

interface MembersProps {
  def: ResourceTypeDef;
  resource: FragmentOf<typeof ResourceMembersFields>;
  orgSlug: string;
  onChanged(): void;
}

export function ResourceMembers({ def, resource: ref, orgSlug, onChanged }: MembersProps) {
  const resource = readFragment(ResourceMembersFields, ref);
  const { org, perms } = useOrg();
  const onResource = expandPermissions(resource.viewerPermissions);
  const actorMembershipId = org.viewerMembership?.id ?? null;
  const cannotManage = manageReason(def, perms, onResource);
  const [, grant] = useMutation(GrantResourceRoleMutation);
  const [, revoke] = useMutation(RevokeResourceRoleMutation);
  const [error, setError] = useState<string | null>(null);
  const members = resource.members.edges.map((e) => e.node);

  const base = { def, actorMembershipId, actorOrgPerms: perms, actorPermsOnResource: onResource };

  const setRole = async (membershipId: string, roleKey: string) => {
    const res = await grant({ resourceId: resource.id, membershipId, roleKey });
    const failure = failureMessage(res.data?.grantResourceRole, res.error, 'Resource');
    setError(failure);
    if (!failure) {
      notifications.show({ color: 'green', message: t`Role saved.` });
      onChanged();
    }
    return failure;
  };

  const onRemove = async (m: ResourceMemberData) => {
    const res = await revoke({ resourceId: resource.id, membershipId: m.membership!.id });
    const failure = failureMessage(res.data?.revokeResourceRole, res.error, 'Resource');
    setError(failure);
    if (!failure) onChanged();
  };

  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/o/${orgSlug}/resources/${def.key}`}>
        ← {resourceTypeLabel(def.pluralName)}
      </Anchor>
      <Title order={1}>{resource.name}</Title>
      <RenameResource def={def} resource={resource} reason={renameReason(def, onResource)} onRenamed={onChanged} />
      <Title order={2} size="h3">
        <Trans>Members ({resource.members.totalCount})</Trans>
      </Title>
      {error && (
        <Alert color="red" role="alert" withCloseButton onClose={() => setError(null)}>
          {error}
        </Alert>
      )}
      {cannotManage ? (
        <Text c="dimmed">{cannotManage}</Text>
      ) : (
        <AddMember def={def} orgSlug={orgSlug} existing={new Set(members.map((m) => m.membership?.id ?? ''))} base={base} onAdd={setRole} />
      )}
      {members.length === 0 ? (
        <Text><Trans>No one holds a role on this {resourceTypeNoun(def.name)} yet.</Trans></Text>
      ) : (
        <Table aria-label={t`Members of ${resource.name}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th><Trans>Member</Trans></Table.Th>
              <Table.Th><Trans>{resourceTypeLabel(def.name)} role</Trans></Table.Th>
              <Table.Th><Trans>Actions</Trans></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.map((m) => {
              const label = m.membership?.user.displayName || m.membership?.user.email || t`A member you cannot see`;
              if (!m.membership) {
                return (
                  <Table.Tr key={`${m.roleKey}-${label}`}>
                    <Table.Td>{label}</Table.Td>
                    <Table.Td>{m.role ? roleLabel(m.role) : m.roleKey}</Table.Td>
                    <Table.Td />
                  </Table.Tr>
                );
              }
              const input = { ...base, targetMembershipId: m.membership.id, targetOrgRoleKeys: m.membership.roles.map((r) => r.key), currentRoleKey: m.roleKey };
              const choices = roleChoices(input);
              const selectable = choices.some((c) => !c.disabled && c.value !== m.roleKey);
              const noRemove = removeReason(input);
              const noChange = cannotManage ?? (selectable ? null : choices.find((c) => c.reason)?.reason ?? null);
              return (
                <Table.Tr key={m.membership.id}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={t`${resourceTypeLabel(def.name)} role of ${label}`}
                      data={choices.map((c) => ({ value: c.value, label: c.reason ? `${c.label} — ${c.reason}` : c.label, disabled: c.disabled }))}
                      value={m.roleKey}
                      allowDeselect={false}
                      disabled={!selectable}
                      description={noChange ?? undefined}
                      onChange={(v) => v && v !== m.roleKey && void setRole(m.membership!.id, v)}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={noRemove} disabled={!noRemove}>
                      <span>
                        <Button size="xs" color="red" variant="light" disabled={noRemove !== null} onClick={() => void onRemove(m)} aria-label={`Remove ${label}`}>
                          <Trans>Remove</Trans>
                        </Button>
                      </span>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

interface RenameProps {
  def: ResourceTypeDef;
  resource: FragmentOf<typeof RenameResourceFields>;
  /** Why renaming is off (from @gatehouse/permissions), or null. */
  reason: string | null;
  onRenamed(): void;
}

/** Rename in place: the type's rename permission on this resource (OEC projects:update; Spaces spaces:assign). */
function RenameResource({ def, resource: ref, reason, onRenamed }: RenameProps) {
  const resource = readFragment(RenameResourceFields, ref);
  const [name, setName] = useState(resource.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, rename] = useMutation(RenameResourceMutation);
  const trimmed = name.trim();
  const unchanged = trimmed === resource.name;
  const submit = async () => {
    setBusy(true);
    const res = await rename({ resourceId: resource.id, name: trimmed });
    setBusy(false);
    const failure = failureMessage(res.data?.renameResource, res.error, 'Resource');
    setError(failure);
    if (!failure) {
      notifications.show({ color: 'green', message: t`${resourceTypeLabel(def.name)} renamed.` });
      onRenamed();
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason && trimmed && !unchanged) void submit();
      }}
    >
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label={t`${resourceTypeLabel(def.name)} name`}
          value={name}
          maxLength={100}
          disabled={reason !== null}
          description={reason ?? undefined}
          error={error}
          onChange={(e) => setName(e.currentTarget.value)}
          style={{ minWidth: 280 }}
        />
        <Tooltip label={reason} disabled={!reason}>
          <span>
            <Button type="submit" variant="light" loading={busy} disabled={reason !== null || !trimmed || unchanged}>
              <Trans>Rename</Trans>
            </Button>
          </span>
        </Tooltip>
      </Group>
    </form>
  );
}

interface AddMemberProps {
  def: ResourceTypeDef;
  orgSlug: string;
  existing: ReadonlySet<string>;
  base: { def: ResourceTypeDef; actorMembershipId: string | null; actorOrgPerms: ReadonlySet<string>; actorPermsOnResource: ReadonlySet<string> };
  onAdd(membershipId: string, roleKey: string): Promise<string | null>;
}

type Candidate = NonNullable<NonNullable<ResultOf<typeof CandidateSearchQuery>['organization']>['members']>['edges'][number]['node'];

/** Pick a member of the organization (searched by the API), then one of the roles the rules allow for them. */
function AddMember({ def, orgSlug, existing, base, onAdd }: AddMemberProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  // The picked member is kept whole: once picked, the search box shows their label and the next
  // search result may no longer contain them.
  const [picked, setPicked] = useState<Candidate | null>(null);
  const [roleKey, setRoleKey] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [{ data }] = useQuery({ query: CandidateSearchQuery, variables: { slug: orgSlug, search: debounced.trim() || null } });
  const found = (data?.organization?.members?.edges ?? []).map((e) => e.node).filter((n) => !existing.has(n.id));
  const candidates = picked && !found.some((c) => c.id === picked.id) ? [picked, ...found] : found;
  const target = picked;
  const choices = target ? roleChoices({ ...base, targetMembershipId: target.id, targetOrgRoleKeys: target.roles.map((r) => r.key), currentRoleKey: null }) : [];
  const chosen = choices.find((c) => c.value === roleKey && !c.disabled);

  return (
    <Group align="flex-end" wrap="wrap">
      <Select
        label={t`Member of the organization`}
        placeholder={t`Search by name or email`}
        searchable
        searchValue={search}
        onSearchChange={(v) => setSearch(v.slice(0, TEXT_LIMITS.search))}
        filter={({ options }) => options}
        data={candidates.map((c) => ({ value: c.id, label: c.user.displayName ? `${c.user.displayName} (${c.user.email})` : c.user.email }))}
        value={picked?.id ?? null}
        onChange={(v) => {
          const next = candidates.find((c) => c.id === v) ?? null;
          setPicked(next);
          // The preset's usual role for their org role (Spaces: Editor → space_editor), when the rules allow it.
          const usual = next && next.roles.map((r) => def.defaultRoleByOrgRole?.[r.key]).find(Boolean);
          const allowed = next && roleChoices({ ...base, targetMembershipId: next.id, targetOrgRoleKeys: next.roles.map((r) => r.key), currentRoleKey: null });
          setRoleKey(usual && allowed?.some((c) => c.value === usual && !c.disabled) ? usual : null);
        }}
        nothingFoundMessage={t`No member found`}
        style={{ minWidth: 280 }}
      />
      <Select
        label={t`${resourceTypeLabel(def.name)} role`}
        placeholder={target ? t`Choose a role` : t`Pick a member first`}
        data={choices.map((c) => ({ value: c.value, label: c.reason ? `${c.label} — ${c.reason}` : c.label, disabled: c.disabled }))}
        value={roleKey}
        onChange={setRoleKey}
        allowDeselect={false}
        disabled={!target}
        style={{ minWidth: 260 }}
      />
      <Button
        loading={busy}
        disabled={!target || !chosen}
        onClick={async () => {
          setBusy(true);
          const failure = await onAdd(target!.id, chosen!.value);
          setBusy(false);
          if (!failure) {
            setPicked(null);
            setRoleKey(null);
            setSearch('');
          }
        }}
      >
        <Trans>Add member</Trans>

      </Button>
    </Group>
  );
}
