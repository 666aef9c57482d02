// Actions on a pending invitation shown in the users table: resend, revoke (confirmed).
import { lazy, Suspense, useState } from 'react';
import { IconDots } from '@tabler/icons-react';
import { ActionIcon, Menu, Text } from '@mantine/core';
import { useInvitationActions } from '../invitations/invitation-actions.ts';
import { graphql, readFragment, type FragmentOf } from '../../graphql/graphql.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const ConfirmDialog = lazy(() => import('../../components/ConfirmDialog.tsx').then((m) => ({ default: m.ConfirmDialog })));

export const InvitationMenuFields = graphql(`
  fragment InvitationMenuFields on Invitation {
    id
    email
  }
`);

export function InvitationMenu({ invitation: data }: { invitation: FragmentOf<typeof InvitationMenuFields> }) {
  const invitation = readFragment(InvitationMenuFields, data);
  const actions = useInvitationActions();
  const [revoking, setRevoking] = useState(false);
  return (
    <>
      <Menu position="bottom-end" withinPortal shadow="md">
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={t`Actions for the invitation of ${invitation.email}`}>
            <IconDots size={18} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => void actions.resend(invitation)}>
            <Trans>Resend invitation</Trans>
          </Menu.Item>
          <Menu.Item color="var(--mantine-color-red-text)" onClick={() => setRevoking(true)}>
            <Trans>Revoke invitation</Trans>
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {revoking && (
        <Suspense fallback={null}>
          <ConfirmDialog
            opened
            title={t`Revoke this invitation?`}
            confirmLabel={t`Revoke`}
            onClose={() => setRevoking(false)}
            onConfirm={() => actions.revoke(invitation)}
          >
            <Text size="sm"><Trans>The link sent to {invitation.email} stops working at once.</Trans></Text>

          </ConfirmDialog>
        </Suspense>
      )}
    </>
  );
}
