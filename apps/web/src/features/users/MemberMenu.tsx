// A member's action menu (table row and card alike). Actions the viewer can never take in this
// organization are left out; those refused for this member only stay, disabled, with the reason
// from @gatehouse/permissions written in the item. View details is always there, so a read-only
// member's menu is useful rather than a list of dead items.
import { Link } from 'react-router';
import { IconDots } from '@tabler/icons-react';
import { ActionIcon, Menu, Text } from '@mantine/core';
import { graphql, readFragment, type FragmentOf } from '../../graphql/graphql.ts';
import { MemberControlFields } from './queries.ts';
import type { MemberControls } from './controls.ts';
import { reasonText } from '../../i18n/rule-texts.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

export type MemberDialogKind = 'edit' | 'remove' | 'reset' | 'disable' | 'enable' | 'leave';

/** What the menu shows and decides from. */
export const MemberMenuFields = graphql(
  `
  fragment MemberMenuFields on Membership {
    id
    status
    user {
      id
      email
      authProvider
    }
    ...MemberControlFields
  }
`,
  [MemberControlFields],
);

export function MemberMenu({ member: data, slug, controls, onAction }: {
  member: FragmentOf<typeof MemberMenuFields>; slug: string; controls: MemberControls; onAction(kind: MemberDialogKind): void;
}) {
  const member = readFragment(MemberMenuFields, data);
  const self = member.user.id === controls.viewerId;
  const disableReason = controls.actionReason('disable', member);
  const removeReason = controls.actionReason('remove', member);
  const active = member.status === 'ACTIVE';
  return (
    <Menu position="bottom-end" withinPortal shadow="md">
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" aria-label={t`Actions for ${member.user.email}`} data-row-actions={member.id}>
          <IconDots size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item component={Link} to={`/o/${slug}/users/${encodeURIComponent(member.id)}`}>
          <Trans>View details</Trans>
        </Menu.Item>
        {controls.mayUpdate && (
          <Menu.Item onClick={() => onAction('edit')}><Trans>Edit</Trans></Menu.Item>
        )}
        {controls.mayUpdate && !self && (
          <Menu.Item onClick={() => onAction('reset')} disabled={member.user.authProvider !== 'credentials'}>
            <Trans>Reset password</Trans>
            {member.user.authProvider !== 'credentials' && <ReasonText>{t`Signs in through ${member.user.authProvider}: no password here.`}</ReasonText>}
          </Menu.Item>
        )}
        {controls.mayUpdate && !self && (
          <Menu.Item onClick={() => onAction(active ? 'disable' : 'enable')} disabled={active && Boolean(disableReason)}>
            {active ? t`Disable access` : t`Enable access`}
            {active && disableReason && <ReasonText>{reasonText(disableReason)}</ReasonText>}
          </Menu.Item>
        )}
        {(self || controls.mayRemove) && <Menu.Divider />}
        {self ? (
          <Menu.Item color="var(--mantine-color-red-text)" onClick={() => onAction('leave')}>
            <Trans>Leave organization</Trans>
          </Menu.Item>
        ) : (
          controls.mayRemove && (
            <Menu.Item color="var(--mantine-color-red-text)" onClick={() => onAction('remove')} disabled={Boolean(removeReason)}>
              <Trans>Remove or delete…</Trans>

              {removeReason && <ReasonText>{reasonText(removeReason)}</ReasonText>
}
            </Menu.Item>
          )
        )}
      </Menu.Dropdown>
    </Menu>
  );
}

function ReasonText({ children }: { children: string }) {
  return (
    <Text size="xs" c="dimmed" maw={240} style={{ whiteSpace: 'normal' }}>
      {children}
    </Text>
  );
}
