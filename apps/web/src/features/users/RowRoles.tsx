// The role selector in a users-table row: a native select where the preset allows one role, a
// button opening checkboxes in a popover where several are allowed. Every disabled choice carries
// its reason from @gatehouse/permissions; the API's typed refusal is shown too.
import { lazy, Suspense, useState } from 'react';
import { roleLabel } from '../../i18n/data-names.ts';
import { useMutation } from 'urql';
import { notifications } from '@mantine/notifications';
import { IconChevronDown } from '@tabler/icons-react';
import { Badge, Group, Loader, NativeSelect, Popover, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { isOwnerRole, type ControlRole } from '@gatehouse/permissions';
import { failureMessage } from '../../lib/errors.ts';
import { fullName } from '../../lib/format.ts';
import { graphql, readFragment, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';
import { MemberControlFields, SetMemberRolesMutation, type OrgRole } from './queries.ts';
import type { MemberControls } from './controls.ts';
import { reasonText } from '../../i18n/rule-texts.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

// The checkboxes load when the popover first opens: the table's first load stays light.
const RowRolesEditor = lazy(() => import('./RowRolesEditor.tsx'));

/** A role as a badge (members' and invitations' roles). */
export const RoleBadgeFields = graphql(`
  fragment RoleBadgeFields on Role {
    id
    key
    name
    builtin
    permissions
  }
`);

/** What the role selector of a row shows and sends. */
export const RowRolesFields = graphql(
  `
  fragment RowRolesFields on Membership {
    id
    user {
      id
      email
      firstName
      lastName
      displayName
    }
    roles {
      id
      ...RoleBadgeFields
    }
    ...MemberControlFields
  }
`,
  [RoleBadgeFields, MemberControlFields],
);

export type RowRolesMember = FragmentOf<typeof RowRolesFields>;

export function RoleBadges({ roles: data }: { roles: readonly FragmentOf<typeof RoleBadgeFields>[] }) {
  const roles = readFragment(RoleBadgeFields, data);
  if (roles.length === 0) return <Text size="sm" c="dimmed"><Trans>No role</Trans></Text>;
  return (
    <Group gap={4}>
      {roles.map((r) => (
        <Badge key={r.id} variant="light" radius="sm" color={isOwnerRole(r) ? 'grape' : 'indigo'}>
          {roleLabel(r)}
        </Badge>
      ))}
    </Group>
  );
}

export function useSaveRoles(member: ResultOf<typeof RowRolesFields>) {
  const [{ fetching }, setRoles] = useMutation(SetMemberRolesMutation);
  const save = async (roleIds: string[]): Promise<string | null> => {
    const res = await setRoles({ membershipId: member.id, roleIds });
    const message = failureMessage(res.data?.setMemberRoles, res.error, 'Membership');
    notifications.show(
      message
        ? { color: 'red', title: t`Could not change the roles of ${fullName(member.user)}`, message }
        : { color: 'green', message: t`Roles of ${fullName(member.user)} saved.` },
    );
    return message;
  };
  return { save, saving: fetching };
}

interface RowRolesProps {
  member: RowRolesMember;
  roles: readonly OrgRole[];
  controls: MemberControls;
}

export function RowRoles({ member, roles, controls }: RowRolesProps) {
  if (!controls.mayUpdate) return <RoleBadges roles={readFragment(RowRolesFields, member).roles} />;
  return controls.multiple ? <RolesPopover member={member} roles={roles} controls={controls} /> : <RoleSelect member={member} roles={roles} controls={controls} />;
}

function RoleSelect({ member: data, roles, controls }: RowRolesProps) {
  const member = readFragment(RowRolesFields, data);
  const { save, saving } = useSaveRoles(member);
  const current = member.roles[0]?.id ?? '';
  const reasons = new Map(roles.map((r) => [r.id, controls.toggleReason(member, r as ControlRole)] as const));
  const others = roles.filter((r) => r.id !== current);
  // One reason shared by every other role (your own membership, no permission) disables the select and is said once.
  const shared = others.length > 0 && others.every((r) => reasons.get(r.id)?.message === reasons.get(others[0]!.id)?.message) ? reasons.get(others[0]!.id) ?? null : null;
  return (
    <NativeSelect
      size="xs"
      aria-label={t`Role of ${member.user.email}`}
      data-testid={`role-select-${member.user.email}`}
      value={current}
      disabled={Boolean(shared) || saving}
      description={shared ? reasonText(shared) : undefined}
      rightSection={saving ? <Loader size={12} /> : undefined}
      data={[
        ...(current ? [] : [{ value: '', label: t`No role`, disabled: true }]),
        ...roles.map((r) => {
          const reason = r.id === current ? null : reasons.get(r.id);
          return { value: r.id, label: reason && !shared ? `${roleLabel(r)} (${reasonText(reason)})` : roleLabel(r)
, disabled: Boolean(reason) };
        }),
      ]}
      onChange={(e) => void save([e.currentTarget.value])}
      maw={260}
    />
  );
}

function RolesPopover({ member: data, roles, controls }: RowRolesProps) {
  const member = readFragment(RowRolesFields, data);
  const [opened, setOpened] = useState(false);
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-start" withinPortal shadow="md" trapFocus returnFocus width={320}>
      <Popover.Target>
        <UnstyledButton
          onClick={() => setOpened((o) => !o)}
          aria-expanded={opened}
          aria-haspopup="dialog"
          data-testid={`roles-button-${member.user.email}`}
          style={{ padding: 2, borderRadius: 4 }}
        >
          {/* The name holds the visible role names (WCAG 2.5.3), with who and what around them. */}
          <VisuallyHidden>{t`Roles of ${member.user.email}:`} </VisuallyHidden>
          <Group gap={4} wrap="nowrap">
            <RoleBadges roles={member.roles} />
            <VisuallyHidden> {t`(change roles)`}</VisuallyHidden>

            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Popover.Target>
      {/* A dialog named by its button (Mantine: role dialog, aria-labelledby the target). */}
      <Popover.Dropdown>
        {opened && (
          <Suspense fallback={<Loader size="sm" />}>
            <RowRolesEditor member={data} roles={roles} controls={controls} onDone={() => setOpened(false)} />
          </Suspense>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
