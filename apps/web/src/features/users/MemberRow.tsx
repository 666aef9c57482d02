// A member in the users table (a row) or below 600 px (a card): select box, name and email, the
// role selector, status, sign-in, the action menu, and the outcome of the last bulk action.
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { graphql, readFragment, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { fullName } from '../../lib/format.ts';
import { formatDate, formatDateTime } from '../../i18n/format.ts';
import { BulkMemberFields, MemberDialogFields, type OrgRole } from './queries.ts';
import { RowRoles, RowRolesFields } from './RowRoles.tsx';
import { MemberMenu, MemberMenuFields, type MemberDialogKind } from './MemberMenu.tsx';
import type { MemberControls } from './controls.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** A member row: its own fields, and those of the role selector, the menu, the dialogs and the bulk bar. */
export const MemberRowFields = graphql(
  `
  fragment MemberRowFields on Membership {
    id
    status
    createdAt
    user {
      id
      email
      firstName
      lastName
      displayName
      authProvider
      status
      lastLoginAt
    }
    ...RowRolesFields
    ...MemberMenuFields
    ...MemberDialogFields
    ...BulkMemberFields
  }
`,
  [RowRolesFields, MemberMenuFields, MemberDialogFields, BulkMemberFields],
);

export type RowMember = FragmentOf<typeof MemberRowFields>;
/** A row's member as the row read it: what the page keeps of a selection and passes to the dialogs and the bulk bar. */
export type RowData = ResultOf<typeof MemberRowFields>;

export interface MemberItemProps {
  member: RowMember;
  slug: string;
  controls: MemberControls;
  roles: readonly OrgRole[];
  selectable: boolean;
  selected: boolean;
  onToggle(member: RowData): void;
  onAction(kind: MemberDialogKind, member: RowData): void;
  outcome?: { ok: boolean; message: string };
}

function NameLink({ member, slug, self }: { member: RowData; slug: string; self: boolean }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Anchor component={Link} to={`/o/${slug}/users/${encodeURIComponent(member.id)}`} fw={500} size="sm">
        {fullName(member.user)}
      </Anchor>
      {self && (
        <Badge size="xs" variant="outline">
          <Trans>you</Trans>
        </Badge>
      )}
    </Group>
  );
}

function OutcomeText({ outcome }: { outcome?: { ok: boolean; message: string } }) {
  if (!outcome) return null;
  return (
    <Text size="xs" c={outcome.ok ? 'var(--mantine-color-green-text)' : 'var(--mantine-color-red-text)'}>
      {outcome.ok ? '✓' : '✗'} {outcome.message || (outcome.ok ? t`Done` : t`Failed`)}
    </Text>
  );
}

/**
 * A native checkbox: the selection column is on the users page's first load, and Mantine's
 * Checkbox would add its chunks to a cold load already at the 200 KB budget.
 */
export function NativeCheckbox({ label, checked, indeterminate = false, disabled, onChange, labelled }: {
  label: string; checked: boolean; indeterminate?: boolean; disabled?: boolean; onChange(): void; labelled?: boolean;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label={labelled ? undefined : label}
      checked={checked}
      disabled={disabled}
      onChange={onChange}
      style={{ width: 18, height: 18, margin: 0, accentColor: 'var(--mantine-primary-color-filled)', cursor: disabled ? 'default' : 'pointer' }}
    />
  );
}

function lastSignIn(member: RowData): string {
  return member.user.lastLoginAt ? formatDateTime(member.user.lastLoginAt) : t`Never`;
}

export function MemberRow({ member: data, slug, controls, roles, selectable, selected, onToggle, onAction, outcome }: MemberItemProps) {
  const m = readFragment(MemberRowFields, data);
  const self = m.user.id === controls.viewerId;
  return (
    <Table.Tr data-testid={`member-row-${m.user.email}`} aria-selected={selectable ? selected : undefined}>
      {selectable && (
        <Table.Td>
          <NativeCheckbox label={t`Select ${m.user.email}`} checked={selected} onChange={() => onToggle(m)} />
        </Table.Td>
      )}
      <Table.Td>
        <NameLink member={m} slug={slug} self={self} />
        <Text size="xs" c="dimmed">
          {m.user.email}
        </Text>
        <OutcomeText outcome={outcome} />
      </Table.Td>
      <Table.Td>
        <RowRoles member={m} roles={roles} controls={controls} />
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
        <Text size="sm">{lastSignIn(m)}</Text>
      </Table.Td>
      <Table.Td>
        <MemberMenu member={m} slug={slug} controls={controls} onAction={(kind) => onAction(kind, m)} />
      </Table.Td>
    </Table.Tr>
  );
}

export function MemberCard({ member: data, slug, controls, roles, selectable, selected, onToggle, onAction, outcome }: MemberItemProps) {
  const m = readFragment(MemberRowFields, data);
  const self = m.user.id === controls.viewerId;
  return (
    <Paper withBorder p="sm" radius="md" role="listitem" data-testid={`member-card-${m.user.email}`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            {selectable && <NativeCheckbox label={t`Select ${m.user.email}`} checked={selected} onChange={() => onToggle(m)} />}
            <div style={{ minWidth: 0 }}>
              <NameLink member={m} slug={slug} self={self} />
              <Text size="xs" c="dimmed" truncate>
                {m.user.email}
              </Text>
            </div>
          </Group>
          <MemberMenu member={m} slug={slug} controls={controls} onAction={(kind) => onAction(kind, m)} />
        </Group>
        <RowRoles member={m} roles={roles} controls={controls} />
        <Group gap="xs">
          <StatusBadge status={m.user.status === 'DISABLED' ? 'DISABLED' : m.status} />
          <Text size="xs" c="dimmed">
            <Trans>Last sign-in: {lastSignIn(m)}</Trans>
          </Text>
        </Group>
        <OutcomeText outcome={outcome} />
      </Stack>
    </Paper>
  );
}
