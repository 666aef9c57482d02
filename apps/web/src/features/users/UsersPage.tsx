import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { roleLabel } from '../../i18n/data-names.ts';
import { useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  Alert, Button, CloseButton, Group, List, NativeSelect, Skeleton, Stack, Table, Text, TextInput, Title, VisuallyHidden,
} from '@mantine/core';
import { useOrg } from '../orgs/org-context.ts';
import { fullName } from '../../lib/format.ts';
import { failureMessage } from '../../lib/errors.ts';
import { graphql, readFragment } from '../../graphql/graphql.ts';
import { MemberDialogFields, RoleFields, SetMembershipStatusMutation, type DialogMember } from './queries.ts';
import { useUrlPaging, withoutPage } from '../../lib/paging.ts';
import { Pager } from '../../lib/Pager.tsx';
import { useFocusReturn } from '../../lib/focus.ts';
import { useMemberControls } from './controls.ts';
import { MemberCard, MemberRow, MemberRowFields, NativeCheckbox, type RowData } from './MemberRow.tsx';
import type { MemberDialogKind } from './MemberMenu.tsx';
import { InvitationCard, InvitationRow, PendingInvitationFields } from './InvitationRow.tsx';
import type { BulkOutcome } from './bulk.ts';
import { plural, t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

// Dialogs and the bulk bar load on demand: a cold load of the users page carries the table only.
const AddUsersDialog = lazy(() => import('./AddUsersDialog.tsx').then((m) => ({ default: m.AddUsersDialog })));
const EditUserDialog = lazy(() => import('./EditUserDialog.tsx').then((m) => ({ default: m.EditUserDialog })));
const RemoveOrDeleteDialog = lazy(() => import('./RemoveOrDeleteDialog.tsx').then((m) => ({ default: m.RemoveOrDeleteDialog })));
const ResetPasswordDialog = lazy(() => import('./ResetPasswordDialog.tsx').then((m) => ({ default: m.ResetPasswordDialog })));
const ConfirmDialog = lazy(() => import('../../components/ConfirmDialog.tsx').then((m) => ({ default: m.ConfirmDialog })));
const LeaveOrganizationDialog = lazy(() => import('../settings/LeaveOrganizationDialog.tsx').then((m) => ({ default: m.LeaveOrganizationDialog })));
const BulkBar = lazy(() => import('./BulkBar.tsx'));

const MembersQuery = graphql(
  `
  query Members(
    $slug: String!
    $first: Int!
    $after: String
    $search: String
    $roleIds: [ID!]
    $status: MembershipStatus
    $orderBy: MemberOrder
  ) {
    organization(slug: $slug) {
      id
      members(first: $first, after: $after, search: $search, roleIds: $roleIds, status: $status, orderBy: $orderBy) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            id
            # cache.ts finds the lists to refresh after removeMember through the cached organization.
            organization {
              id
            }
            ...MemberRowFields
          }
        }
      }
      roles {
        ...RoleFields
      }
    }
  }
`,
  [MemberRowFields, RoleFields],
);

/** Pending invitations, searched by address like the members (`search`). */
const PendingInvitationsQuery = graphql(
  `
  query PendingInvitations($slug: String!, $first: Int!, $after: String, $search: String) {
    organization(slug: $slug) {
      id
      invitations(first: $first, after: $after, search: $search, status: [PENDING]) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            ...PendingInvitationFields
          }
        }
      }
    }
  }
`,
  [PendingInvitationFields],
);

const sorts = () => [
  { value: 'NAME:ASC', label: t`Name A–Z` },
  { value: 'NAME:DESC', label: t`Name Z–A` },
  { value: 'EMAIL:ASC', label: t`Email A–Z` },
  { value: 'CREATED_AT:DESC', label: t`Newest first` },
  { value: 'CREATED_AT:ASC', label: t`Oldest first` },
];

/** Pending invitations shown above the members on the first page (matching the search); the rest under status "Invited". */
const INVITATIONS_ON_FIRST_PAGE = 5;

/** Below this width the table becomes cards (every action stays reachable). */
const NARROW = '(max-width: 599px)';

type Dialog = { kind: MemberDialogKind; member: RowData } | null;

/**
 * The selected members, by id, across pages: kept through paging, page size and sort, and dropped
 * when the organization, the search or a filter changes (it selected among other people).
 */
interface Selection {
  scope: string;
  members: ReadonlyMap<string, RowData>;
}
const NONE: ReadonlyMap<string, RowData> = new Map();
const NO_ROLES: never[] = [];

export default function UsersPage() {
  const { org, preset, perms } = useOrg();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const roleId = params.get('role');
  const status = params.get('status');
  const sort = params.get('sort') ?? 'NAME:ASC';
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const paging = useUrlPaging();
  const { page, size: pageSize } = paging;
  const narrow = useMediaQuery(NARROW, false, { getInitialValueInEffect: false });
  const [dialog, setDialogState] = useState<Dialog>(null);
  const [addOpen, setAddOpenState] = useState(false);
  const scope = JSON.stringify([org.id, q, roleId, status]);
  const [selection, setSelection] = useState<Selection>({ scope, members: NONE });
  // Reset while rendering (React's pattern for state that follows a prop): no frame shows the old selection.
  if (selection.scope !== scope) setSelection({ scope, members: NONE });
  const selected = selection.scope === scope ? selection.members : NONE;
  const setSelected = (members: ReadonlyMap<string, RowData>) => setSelection({ scope, members });
  const [outcome, setOutcome] = useState<BulkOutcome | null>(null);
  const focus = useFocusReturn();
  // Row dialogs return focus to the row's action button (the menu item is gone by then).
  const setDialog = (next: Dialog) => {
    if (next) focus.remember(document.querySelector(`[data-row-actions="${next.member.id}"]`));
    else focus.restore();
    setDialogState(next);
  };
  const setAddOpen = (open: boolean) => {
    if (open) focus.remember();
    else focus.restore();
    setAddOpenState(open);
  };

  const update = (key: string, value: string | null) => {
    const next = withoutPage(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  useEffect(() => {
    if (debounced !== q) update('q', debounced || null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  const invitationsOn = preset.policy.invitations;
  const invitationsOnly = invitationsOn && status === 'INVITED';
  const [field, direction] = sort.split(':') as ['NAME' | 'EMAIL' | 'CREATED_AT', 'ASC' | 'DESC'];
  const variables = useMemo(
    () => ({
      slug: org.slug,
      // Under "Invited" only the roles (for the filter) are needed from this query.
      first: invitationsOnly ? 1 : pageSize,
      after: invitationsOnly ? null : paging.after,
      search: q || null,
      roleIds: roleId ? [roleId] : null,
      status: status === 'ACTIVE' || status === 'DISABLED' ? (status as 'ACTIVE' | 'DISABLED') : null,
      orderBy: { field, direction },
    }),
    [org.slug, pageSize, paging.after, q, roleId, status, field, direction, invitationsOnly],
  );
  const [result] = useQuery({ query: MembersQuery, variables });
  const members = invitationsOnly ? undefined : result.data?.organization?.members;
  const roles = readFragment(RoleFields, result.data?.organization?.roles ?? NO_ROLES);
  const controls = useMemberControls(roles);

  // Pending invitations in the same table, searched like the members: on the first page without a
  // role or status filter (invitations have no membership status, and the API filters them by
  // address only), or alone under "Invited".
  const mayReadInvitations = perms.has('members:read') || perms.has('members:invite') || controls.isPlatformAdmin;
  const showInvitations = invitationsOn && mayReadInvitations && (invitationsOnly || (!roleId && !status && page === 0));
  const [invResult] = useQuery({
    query: PendingInvitationsQuery,
    variables: { slug: org.slug, first: invitationsOnly ? pageSize : INVITATIONS_ON_FIRST_PAGE, after: invitationsOnly ? paging.after : null, search: q || null },
    pause: !showInvitations,
  });
  const invitations = showInvitations ? invResult.data?.organization?.invitations : undefined;

  const [, setStatusMutation] = useMutation(SetMembershipStatusMutation);
  const canAdd = perms.has('members:invite') && preset.policy.provisioning;
  const rowsShown = members?.edges.map((e) => e.node) ?? [];
  const selectedHere = rowsShown.filter((m) => selected.has(m.id)).length;
  const allSelected = rowsShown.length > 0 && selectedHere === rowsShown.length;
  const canSelect = controls.mayUpdate || controls.mayRemove;
  const toggle = (member: RowData) => {
    const next = new Map(selected);
    if (next.has(member.id)) next.delete(member.id);
    else next.set(member.id, member);
    setSelected(next);
  };
  // The header box selects or unselects this page's members; those of other pages stay selected.
  const toggleAll = () => {
    const next = new Map(selected);
    for (const node of rowsShown) {
      if (allSelected) next.delete(node.id);
      else next.set(node.id, readFragment(MemberRowFields, node));
    }
    setSelected(next);
  };
  const outcomeOf = new Map(outcome?.items.map((i) => [i.membershipId, i]) ?? []);

  async function enable(data: DialogMember) {
    const member = readFragment(MemberDialogFields, data);
    const res = await setStatusMutation({ membershipId: member.id, status: 'ACTIVE' });
    const message = failureMessage(res.data?.setMembershipStatus, res.error, 'Membership');
    notifications.show(
      message
        ? { color: 'red', title: t`Could not enable ${fullName(member.user)}`, message }
        : { color: 'green', message: t`${fullName(member.user)} is active again in ${org.name}.` },
    );
  }
  const onAction = (kind: MemberDialogKind, member: RowData) => (kind === 'enable' ? void enable(member) : setDialog({ kind, member }));

  const total = invitationsOnly ? (invitations?.totalCount ?? 0) : (members?.totalCount ?? 0);
  const shownCount = invitationsOnly ? (invitations?.edges.length ?? 0) : (members?.edges.length ?? 0);
  const pendingTotal = invitations?.totalCount ?? 0;
  const moreInvitations = !invitationsOnly && pendingTotal > (invitations?.edges.length ?? 0);
  const invitationNodes = invitations?.edges.map((e) => e.node) ?? [];
  const loading = !invitationsOnly && !members && result.fetching;
  const empty = invitationsOnly ? invitations?.edges.length === 0 : members && members.edges.length === 0 && invitationNodes.length === 0;
  const showAllInvitations = () => update('status', 'INVITED');

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2"><Trans>Users</Trans></Title>
          <Text c="dimmed" size="sm">
            <Trans>People with access to {org.name}. Roles apply to this organization only.</Trans>
          </Text>
        </div>
        {canAdd && <Button onClick={() => setAddOpen(true)}><Trans>Add users</Trans></Button>}
      </Group>

      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label={t`Search`}
          placeholder={t`Name or email`}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={{ base: '100%', sm: 260 }}
          type="search"
        />
        {/* Native selects: the users page is the first screen most admins open, and these need no JavaScript of their own. */}
        <NativeSelect
          label={t`Role`}
          data={[{ value: '', label: t`All roles` }, ...roles.map((r) => ({ value: r.id, label: roleLabel(r) }))]}
          value={roleId ?? ''}
          onChange={(e) => update('role', e.currentTarget.value || null)}
          w={{ base: '47%', sm: 180 }}
          disabled={invitationsOnly}
        />
        <NativeSelect
          label={t`Status`}
          data={[
            { value: '', label: t`Any status` },
            { value: 'ACTIVE', label: t`Active` },
            { value: 'DISABLED', label: t`Disabled` },
            ...(invitationsOn && mayReadInvitations ? [{ value: 'INVITED', label: t`Invited (pending)` }] : []),
          ]}
          value={status ?? ''}
          onChange={(e) => update('status', e.currentTarget.value || null)}
          w={{ base: '47%', sm: 170 }}
        />
        <NativeSelect
          label={t`Sort`}
          data={sorts()}
          value={sort}
          onChange={(e) => update('sort', e.currentTarget.value === 'NAME:ASC' ? null : e.currentTarget.value)}
          w={{ base: '100%', sm: 170 }}
          disabled={invitationsOnly}
        />
      </Group>

      {!controls.mayUpdate && !controls.mayRemove && members && (
        <Text size="sm" c="dimmed">
          <Trans>You can see who belongs to {org.name} and open each member&apos;s details. Changing roles or access needs the members:update permission.</Trans>
        </Text>
      )}

      {result.data?.organization && result.data.organization.members === null && (
        <Alert color="gray" variant="light" title={t`The member list is not visible to you`}>
          <Trans>Seeing who belongs to {org.name} needs the members:read permission. Ask an administrator if you need it.</Trans>
        </Alert>
      )}

      {result.error && !members && !invitationsOnly && (
        <Alert color="red" title={t`Could not load users`}>
          {result.error.message}
        </Alert>
      )}

      {selected.size > 0 && (
        <Suspense fallback={null}>
          <BulkBar
            selected={[...selected.values()]}
            elsewhere={selected.size - selectedHere}
            roles={roles}
            controls={controls}
            orgName={org.name}
            onDone={(o) => {
              setOutcome(o);
              setSelected(NONE);
            }}
            onClear={() => setSelected(NONE)}
          />
        </Suspense>
      )}

      {outcome && <BulkResults outcome={outcome} onDismiss={() => setOutcome(null)} />}

      {narrow ? (
        <Stack gap="sm">
          {canSelect && rowsShown.length > 0 && (
            <Group gap="xs" component="label">
              <NativeCheckbox label={t`Select every member on this page`} checked={allSelected} indeterminate={selectedHere > 0 && !allSelected} onChange={toggleAll} labelled />
              <Text size="sm"><Trans>Select every member on this page</Trans></Text>
            </Group>
          )}
          {loading && Array.from({ length: 3 }, (_, i) => <Skeleton key={i} h={96} radius="md" />)}
          {/* Only cards inside the list (ARIA list: listitem children only). */}
          <Stack gap="sm" role="list" aria-label={t`Users`} aria-busy={result.fetching}>
            {invitationNodes.map((inv) => (
              <InvitationCard key={inv.id} invitation={inv} />
            ))}
            {rowsShown.map((m) => (
              <MemberCard key={m.id} member={m} slug={org.slug} controls={controls} roles={roles} selectable={canSelect} selected={selected.has(m.id)} onToggle={toggle} onAction={onAction} outcome={outcomeOf.get(m.id)} />
            ))}
          </Stack>
          {moreInvitations && <MoreInvitations count={pendingTotal - invitationNodes.length} onShow={showAllInvitations} />}
          {empty && <EmptyText filtered={Boolean(q || roleId || status)} searched={Boolean(q)} invitationsOnly={invitationsOnly} />}
        </Stack>
      ) : (
        <div className="gh-table-scroll">
          <Table striped highlightOnHover miw={860} aria-label={t`Users`} aria-busy={result.fetching}>
            <Table.Thead>
              <Table.Tr>
                {canSelect && (
                  <Table.Th w={36}>
                    <NativeCheckbox label={t`Select every member on this page`} checked={allSelected} indeterminate={selectedHere > 0 && !allSelected} onChange={toggleAll} disabled={rowsShown.length === 0} />
                  </Table.Th>
                )}
                <Table.Th><Trans>Member</Trans></Table.Th>
                <Table.Th><Trans>Roles</Trans></Table.Th>
                <Table.Th><Trans>Status</Trans></Table.Th>
                <Table.Th><Trans>Auth source</Trans></Table.Th>
                <Table.Th><Trans>Added</Trans></Table.Th>
                <Table.Th><Trans>Last sign-in</Trans></Table.Th>
                <Table.Th w={48}>
                  <VisuallyHidden><Trans>Actions</Trans></VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {loading &&
                Array.from({ length: 5 }, (_, i) => (
                  <Table.Tr key={i}>
                    {Array.from({ length: canSelect ? 8 : 7 }, (_, j) => (
                      <Table.Td key={j}>
                        <Skeleton h={14} />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              {invitationNodes.map((inv) => (
                <InvitationRow key={inv.id} invitation={inv} selectable={canSelect} />
              ))}
              {moreInvitations && (
                <Table.Tr>
                  <Table.Td colSpan={canSelect ? 8 : 7}>
                    <MoreInvitations count={pendingTotal - invitationNodes.length} onShow={showAllInvitations} />
                  </Table.Td>
                </Table.Tr>
              )}
              {rowsShown.map((m) => (
                <MemberRow key={m.id} member={m} slug={org.slug} controls={controls} roles={roles} selectable={canSelect} selected={selected.has(m.id)} onToggle={toggle} onAction={onAction} outcome={outcomeOf.get(m.id)} />
              ))}
              {empty && (
                <Table.Tr>
                  <Table.Td colSpan={canSelect ? 8 : 7}>
                    <EmptyText filtered={Boolean(q || roleId || status)} searched={Boolean(q)} invitationsOnly={invitationsOnly} />
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </div>
      )}

      <Pager
        paging={paging}
        total={total}
        shown={shownCount}
        hasNext={Boolean(invitationsOnly ? invitations?.pageInfo.hasNextPage : members?.pageInfo.hasNextPage)}
        endCursor={invitationsOnly ? invitations?.pageInfo.endCursor : members?.pageInfo.endCursor}
        extra={!invitationsOnly && pendingTotal > 0 ? ` · ${plural(pendingTotal, { one: '# pending invitation', other: '# pending invitations' })}` : ''}
        noun={invitationsOnly ? t`invitations` : t`members`}
      />

      <Suspense fallback={null}>
        {canAdd && addOpen && <AddUsersDialog opened={addOpen} onClose={() => setAddOpen(false)} roles={roles} />}
        {dialog?.kind === 'edit' && <EditUserDialog opened userId={readFragment(MemberDialogFields, dialog.member).user.id} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'remove' && <RemoveOrDeleteDialog member={dialog.member} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'reset' && <ResetPasswordDialog member={dialog.member} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'leave' && <LeaveOrganizationDialog onClose={() => setDialog(null)} />}
        {dialog?.kind === 'disable' && <DisableDialog member={dialog.member} orgName={org.name} onClose={() => setDialog(null)} />}
      </Suspense>
    </Stack>
  );
}

/** Disabling one member from the row menu: confirmed, saying what it does. */
function DisableDialog({ member: data, orgName, onClose }: { member: DialogMember; orgName: string; onClose(): void }) {
  const member = readFragment(MemberDialogFields, data);
  const name = fullName(member.user);
  const [, setStatus] = useMutation(SetMembershipStatusMutation);
  return (
    <ConfirmDialog
      opened
      title={t`Disable ${name}'s access?`}
      confirmLabel={t`Disable access`}
      onClose={onClose}
      onConfirm={async () => {
        const res = await setStatus({ membershipId: member.id, status: 'DISABLED' });
        const message = failureMessage(res.data?.setMembershipStatus, res.error, 'Membership');
        if (!message) notifications.show({ color: 'green', message: t`${name} is disabled in ${orgName}.` });
        return message;
      }}
    >
      <Text size="sm">
        <Trans>
          {name} cannot use {orgName} until you enable the access again. Roles and details are kept; other organizations are not
          affected.
        </Trans>
      </Text>
    </ConfirmDialog>
  );
}

function MoreInvitations({ count, onShow }: { count: number; onShow(): void }) {
  return (
    <Group gap="xs">
      <Text size="sm" c="dimmed">
        {plural(count, { one: '# more pending invitation.', other: '# more pending invitations.' })}
      </Text>
      <Button variant="subtle" size="compact-sm" onClick={onShow}>
        <Trans>Show all invitations</Trans>
      </Button>
    </Group>
  );
}

function EmptyText({ filtered, searched, invitationsOnly }: { filtered: boolean; searched: boolean; invitationsOnly: boolean }) {
  return (
    <Text ta="center" c="dimmed" py="lg">
      {invitationsOnly
        ? searched
          ? t`No pending invitation matches this search.`
          : t`No pending invitations.`
        : filtered
          ? t`No user matches these filters.`
          : t`Nobody here yet. Add the first users.`}
    </Text>
  );
}

function BulkResults({ outcome, onDismiss }: { outcome: BulkOutcome; onDismiss(): void }) {
  const failed = outcome.items.filter((i) => !i.ok).length;
  const done = outcome.items.length - failed;
  const title = failed ? t`${outcome.title}: ${done} done, ${failed} failed` : t`${outcome.title}: ${done} done`;
  return (
    <Alert
      color={failed ? (done ? 'orange' : 'red') : 'green'}
      variant="light"
      title={title}
      role="status"
      data-testid="bulk-results"
      withCloseButton={false}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <List size="sm" spacing={2}>
          {outcome.items.map((i) => (
            <List.Item key={i.membershipId} data-testid={`bulk-item-${i.email}`} data-ok={i.ok}>
              <ResultLine ok={i.ok}>
                {i.email}
                {i.message ? `: ${i.message}` : ''}
              </ResultLine>
            </List.Item>
          ))}
        </List>
        <CloseButton aria-label={t`Dismiss the results`} onClick={onDismiss} />
      </Group>
    </Alert>
  );
}

function ResultLine({ ok, children }: { ok: boolean; children: ReactNode }) {
  return (
    <Text size="sm" span>
      <Text span fw={600} c={ok ? 'var(--mantine-color-green-text)' : 'var(--mantine-color-red-text)'}>
        {ok ? t`Done` : t`Failed`}

      </Text>{' '}
      {children}
    </Text>
  );
}
