import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { IconDots } from '@tabler/icons-react';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  ActionIcon, Alert, Badge, Button, Group, Menu, NativeSelect, Skeleton, Stack, Table, Text, TextInput, Title, VisuallyHidden,
} from '@mantine/core';
import { useOrg } from '../orgs/org-context.ts';
import { useViewer } from '../../app/viewer.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDate, formatDateTime, fullName } from '../../lib/format.ts';
import { failureMessage } from '../../lib/errors.ts';
import { isOwnerRole, memberActionReason } from '../../lib/role-rules.ts';
import { MembersQuery, SetMembershipStatusMutation, type Member, type OrgRole } from './queries.ts';
import { PAGE_SIZES, useUrlPaging, withoutPage } from '../../lib/paging.ts';
import { useFocusReturn } from '../../lib/focus.ts';

// Dialogs load on demand: a cold load of the users page carries the table only.
const AddUsersDialog = lazy(() => import('./AddUsersDialog.tsx').then((m) => ({ default: m.AddUsersDialog })));
const EditUserDialog = lazy(() => import('./EditUserDialog.tsx').then((m) => ({ default: m.EditUserDialog })));
const RemoveOrDeleteDialog = lazy(() => import('./RemoveOrDeleteDialog.tsx').then((m) => ({ default: m.RemoveOrDeleteDialog })));
const ResetPasswordDialog = lazy(() => import('./ResetPasswordDialog.tsx').then((m) => ({ default: m.ResetPasswordDialog })));
const ConfirmDialog = lazy(() => import('../../components/ConfirmDialog.tsx').then((m) => ({ default: m.ConfirmDialog })));
const LeaveOrganizationDialog = lazy(() => import('../settings/LeaveOrganizationDialog.tsx').then((m) => ({ default: m.LeaveOrganizationDialog })));

const SORTS = [
  { value: 'NAME:ASC', label: 'Name A–Z' },
  { value: 'NAME:DESC', label: 'Name Z–A' },
  { value: 'EMAIL:ASC', label: 'Email A–Z' },
  { value: 'CREATED_AT:DESC', label: 'Newest first' },
  { value: 'CREATED_AT:ASC', label: 'Oldest first' },
] as const;

type Dialog =
  | { kind: 'edit'; member: Member }
  | { kind: 'remove'; member: Member }
  | { kind: 'reset'; member: Member }
  | { kind: 'disable'; member: Member }
  | { kind: 'leave' }
  | null;

/** Sum of active holders of the organization's owner roles (for R5 hints). */
function ownerHolders(roles: readonly OrgRole[]): number {
  return roles.filter(isOwnerRole).reduce((n, r) => n + r.memberCount, 0);
}

export default function UsersPage() {
  const { org, preset, perms } = useOrg();
  const { viewer } = useViewer();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const roleId = params.get('role');
  const status = params.get('status');
  const sort = params.get('sort') ?? 'NAME:ASC';
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const paging = useUrlPaging();
  const { page, size: pageSize } = paging;
  const [dialog, setDialogState] = useState<Dialog>(null);
  const [addOpen, setAddOpenState] = useState(false);
  const focus = useFocusReturn();
  // Row dialogs return focus to the row's action button (the menu item is gone by then).
  const setDialog = (next: Dialog) => {
    if (next && 'member' in next) focus.remember(document.querySelector(`[data-row-actions="${next.member.id}"]`));
    else if (next) focus.remember();
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

  const [field, direction] = sort.split(':') as ['NAME' | 'EMAIL' | 'CREATED_AT', 'ASC' | 'DESC'];
  const variables = useMemo(
    () => ({
      slug: org.slug,
      first: pageSize,
      after: paging.after,
      search: q || null,
      roleIds: roleId ? [roleId] : null,
      status: status === 'ACTIVE' || status === 'DISABLED' ? (status as 'ACTIVE' | 'DISABLED') : null,
      orderBy: { field, direction },
    }),
    [org.slug, pageSize, paging.after, q, roleId, status, field, direction],
  );
  const [result] = useQuery({ query: MembersQuery, variables });
  const [, setStatusMutation] = useMutation(SetMembershipStatusMutation);
  const members = result.data?.organization?.members;
  const roles = result.data?.organization?.roles ?? [];
  const owners = ownerHolders(roles);
  const canAdd = perms.has('members:invite') && preset.policy.provisioning;
  const isAdmin = viewer?.isPlatformAdmin ?? false;

  async function toggleStatus(member: Member) {
    const next = member.status === 'ACTIVE' ? 'DISABLED' : 'ACTIVE';
    const res = await setStatusMutation({ membershipId: member.id, status: next });
    const message = failureMessage(res.data?.setMembershipStatus, res.error, 'Membership');
    notifications.show(
      message
        ? { color: 'red', title: `Could not ${next === 'DISABLED' ? 'disable' : 'enable'} ${fullName(member.user)}`, message }
        : { color: 'green', message: `${fullName(member.user)} is ${next === 'DISABLED' ? 'disabled in' : 'active again in'} ${org.name}.` },
    );
  }

  const rows = members?.edges.map(({ node: m }) => {
    const self = m.user.id === viewer?.id;
    const ctx = { actorUserId: viewer?.id ?? '', actorPerms: perms, ownerHolderCount: owners, isPlatformAdmin: isAdmin };
    const disableReason = self ? 'You cannot disable yourself.' : memberActionReason('disable', { userId: m.user.id, roles: m.roles }, ctx);
    const removeReason = memberActionReason('remove', { userId: m.user.id, roles: m.roles }, ctx);
    const canEdit = perms.has('members:update') || isAdmin;
    return (
      <Table.Tr key={m.id} data-testid={`member-row-${m.user.email}`}>
        <Table.Td>
          <Group gap={6} wrap="nowrap">
            <Text fw={500} size="sm">
              {fullName(m.user)}
            </Text>
            {self && (
              <Badge size="xs" variant="outline">
                you
              </Badge>
            )}
          </Group>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{m.user.email}</Text>
        </Table.Td>
        <Table.Td>
          <Group gap={4}>
            {m.roles.map((r) => (
              <Badge key={r.id} variant="light" radius="sm" color={isOwnerRole(r) ? 'grape' : 'indigo'}>
                {r.name}
              </Badge>
            ))}
          </Group>
        </Table.Td>
        <Table.Td>
          <StatusBadge status={m.user.status === 'DISABLED' ? 'DISABLED' : m.status} />
        </Table.Td>
        <Table.Td>
          <Text size="sm" c="dimmed">
            {m.user.authProvider}
          </Text>
        </Table.Td>
        <Table.Td className="gh-nowrap">
          <Text size="sm">{formatDate(m.createdAt)}</Text>
        </Table.Td>
        <Table.Td className="gh-nowrap">
          <Text size="sm">{m.user.lastLoginAt ? formatDateTime(m.user.lastLoginAt) : 'Never'}</Text>
        </Table.Td>
        <Table.Td>
          <Menu position="bottom-end" withinPortal shadow="md">
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${m.user.email}`} data-row-actions={m.id}>
                <IconDots size={18} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => setDialog({ kind: 'edit', member: m })} disabled={!canEdit}>
                Edit
              </Menu.Item>
              {!self && (
                <Menu.Item onClick={() => setDialog({ kind: 'reset', member: m })} disabled={!canEdit || m.user.authProvider !== 'credentials'}>
                  Reset password
                </Menu.Item>
              )}
              {!self && (
                // The reason a control is off is written in the item itself (no tooltip: readable by touch and screen readers).
                <Menu.Item
                  onClick={() => (m.status === 'ACTIVE' ? setDialog({ kind: 'disable', member: m }) : void toggleStatus(m))}
                  disabled={Boolean(disableReason) && m.status === 'ACTIVE'}
                >
                  {m.status === 'ACTIVE' ? 'Disable access' : 'Enable access'}
                  {disableReason && m.status === 'ACTIVE' && <ReasonText>{disableReason}</ReasonText>}
                </Menu.Item>
              )}
              <Menu.Divider />
              {self ? (
                <Menu.Item color="var(--mantine-color-red-text)" onClick={() => setDialog({ kind: 'leave' })}>
                  Leave organization
                </Menu.Item>
              ) : (
                <Menu.Item color="var(--mantine-color-red-text)" onClick={() => setDialog({ kind: 'remove', member: m })} disabled={Boolean(removeReason)}>
                  Remove or delete…
                  {removeReason && <ReasonText>{removeReason}</ReasonText>}
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
        </Table.Td>
      </Table.Tr>
    );
  });

  const total = members?.totalCount ?? 0;
  const from = total === 0 ? 0 : page * pageSize + 1;
  const to = Math.min(total, page * pageSize + (members?.edges.length ?? 0));

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">Users</Title>
          <Text c="dimmed" size="sm">
            People with access to {org.name}. Roles apply to this organization only.
          </Text>
        </div>
        {canAdd && <Button onClick={() => setAddOpen(true)}>Add users</Button>}
      </Group>

      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Name or email"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={{ base: '100%', sm: 260 }}
          type="search"
        />
        {/* Native selects: the users page is the first screen most admins open, and these need no JavaScript of their own. */}
        <NativeSelect
          label="Role"
          data={[{ value: '', label: 'All roles' }, ...roles.map((r) => ({ value: r.id, label: r.name }))]}
          value={roleId ?? ''}
          onChange={(e) => update('role', e.currentTarget.value || null)}
          w={{ base: '47%', sm: 180 }}
        />
        <NativeSelect
          label="Status"
          data={[
            { value: '', label: 'Any status' },
            { value: 'ACTIVE', label: 'Active' },
            { value: 'DISABLED', label: 'Disabled' },
          ]}
          value={status ?? ''}
          onChange={(e) => update('status', e.currentTarget.value || null)}
          w={{ base: '47%', sm: 150 }}
        />
        <NativeSelect
          label="Sort"
          data={SORTS.map((s) => ({ ...s }))}
          value={sort}
          onChange={(e) => update('sort', e.currentTarget.value === 'NAME:ASC' ? null : e.currentTarget.value)}
          w={{ base: '100%', sm: 170 }}
        />
      </Group>

      {result.data?.organization && result.data.organization.members === null && (
        <Alert color="gray" variant="light" title="The member list is not visible to you">
          Seeing who belongs to {org.name} needs the members:read permission. Ask an administrator if you need it.
        </Alert>
      )}

      {result.error && !members && (
        <Alert color="red" title="Could not load users">
          {result.error.message}
        </Alert>
      )}

      <div className="gh-table-scroll">
        <Table striped highlightOnHover miw={920} aria-label="Users" aria-busy={result.fetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Roles</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Auth source</Table.Th>
              <Table.Th>Added</Table.Th>
              <Table.Th>Last sign-in</Table.Th>
              <Table.Th w={48}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {!members && result.fetching &&
              Array.from({ length: 5 }, (_, i) => (
                <Table.Tr key={i}>
                  {Array.from({ length: 8 }, (_, j) => (
                    <Table.Td key={j}>
                      <Skeleton h={14} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            {rows}
            {members && members.edges.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={8}>
                  <Text ta="center" c="dimmed" py="lg">
                    {q || roleId || status ? 'No user matches these filters.' : 'Nobody here yet. Add the first users.'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>

      <Group justify="space-between">
        <Text size="sm" c="dimmed" aria-live="polite">
          {total > 0 ? `${from}–${to} of ${total}` : ''}
        </Text>
        <Group gap="xs">
          <NativeSelect
            aria-label="Rows per page"
            size="xs"
            w={120}
            data={PAGE_SIZES.map((n) => ({ value: String(n), label: `${n} per page` }))}
            value={String(pageSize)}
            onChange={(e) => paging.setSize(Number(e.currentTarget.value))}
          />
          {page > 0 && !paging.canGoBack && (
            <Button variant="default" size="xs" onClick={paging.first}>
              First page
            </Button>
          )}
          <Button variant="default" size="xs" disabled={!paging.canGoBack} onClick={paging.previous}>
            Previous
          </Button>
          <Text size="sm" aria-live="polite" data-testid="page-number">
            Page {page + 1}
            {total > 0 ? ` of ${Math.max(1, Math.ceil(total / pageSize))}` : ''}
          </Text>
          <Button variant="default" size="xs" disabled={!members?.pageInfo.hasNextPage} onClick={() => paging.next(members?.pageInfo.endCursor)}>
            Next
          </Button>
        </Group>
      </Group>

      <Suspense fallback={null}>
        {canAdd && addOpen && <AddUsersDialog opened={addOpen} onClose={() => setAddOpen(false)} roles={roles} />}
        {dialog?.kind === 'edit' && <EditUserDialog opened userId={dialog.member.user.id} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'remove' && <RemoveOrDeleteDialog member={dialog.member} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'reset' && <ResetPasswordDialog member={dialog.member} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'leave' && <LeaveOrganizationDialog onClose={() => setDialog(null)} />}
        {dialog?.kind === 'disable' && (
      <ConfirmDialog
        opened
        title={dialog?.kind === 'disable' ? `Disable ${fullName(dialog.member.user)}'s access?` : ''}
        confirmLabel="Disable access"
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          if (dialog?.kind !== 'disable') return null;
          const res = await setStatusMutation({ membershipId: dialog.member.id, status: 'DISABLED' });
          const message = failureMessage(res.data?.setMembershipStatus, res.error, 'Membership');
          if (!message) notifications.show({ color: 'green', message: `${fullName(dialog.member.user)} is disabled in ${org.name}.` });
          return message;
        }}
      >
        <Text size="sm">
          {dialog?.kind === 'disable' ? fullName(dialog.member.user) : ''} cannot use {org.name} until you enable the access again. Roles and details are kept;
          other organizations are not affected.
        </Text>
      </ConfirmDialog>
        )}
      </Suspense>
    </Stack>
  );
}

function ReasonText({ children }: { children: string }) {
  return (
    <Text size="xs" c="dimmed" maw={240} style={{ whiteSpace: 'normal' }}>
      {children}
    </Text>
  );
}
