// Actions on a pending invitation shown in the users table: resend, revoke (confirmed).
import { lazy, Suspense, useState } from 'react';
import { IconDots } from '@tabler/icons-react';
import { ActionIcon, Menu, Text } from '@mantine/core';
import { useInvitationActions } from '../invitations/invitation-actions.ts';
import type { PendingInvitation } from './queries.ts';

const ConfirmDialog = lazy(() => import('../../components/ConfirmDialog.tsx').then((m) => ({ default: m.ConfirmDialog })));

export function InvitationMenu({ invitation }: { invitation: PendingInvitation }) {
  const actions = useInvitationActions();
  const [revoking, setRevoking] = useState(false);
  return (
    <>
      <Menu position="bottom-end" withinPortal shadow="md">
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for the invitation of ${invitation.email}`}>
            <IconDots size={18} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => void actions.resend(invitation)}>
            Resend invitation
          </Menu.Item>
          <Menu.Item color="var(--mantine-color-red-text)" onClick={() => setRevoking(true)}>
            Revoke invitation
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {revoking && (
        <Suspense fallback={null}>
          <ConfirmDialog
            opened
            title="Revoke this invitation?"
            confirmLabel="Revoke"
            onClose={() => setRevoking(false)}
            onConfirm={() => actions.revoke(invitation)}
          >
            <Text size="sm">The link sent to {invitation.email} stops working at once.</Text>
          </ConfirmDialog>
        </Suspense>
      )}
    </>
  );
}
