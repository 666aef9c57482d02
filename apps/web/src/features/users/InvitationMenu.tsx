// Actions on a pending invitation shown in the users table: resend, revoke (confirmed).
import { lazy, Suspense, useState } from 'react';
import { useMutation } from 'urql';
import { notifications } from '@mantine/notifications';
import { IconDots } from '@tabler/icons-react';
import { ActionIcon, Menu, Text } from '@mantine/core';
import { failureMessage } from '../../lib/errors.ts';
import { ResendInvitationMutation, RevokeInvitationMutation } from '../invitations/queries.ts';
import type { PendingInvitation } from './queries.ts';

const ConfirmDialog = lazy(() => import('../../components/ConfirmDialog.tsx').then((m) => ({ default: m.ConfirmDialog })));

export function InvitationMenu({ invitation }: { invitation: PendingInvitation }) {
  const [, resend] = useMutation(ResendInvitationMutation);
  const [, revoke] = useMutation(RevokeInvitationMutation);
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
          <Menu.Item
            onClick={async () => {
              const res = await resend({ invitationId: invitation.id });
              const payload = res.data?.resendInvitation;
              const message = failureMessage(payload, res.error, 'ResendInvitationPayload');
              notifications.show(
                message
                  ? { color: 'red', title: 'Not resent', message }
                  : payload?.__typename === 'ResendInvitationPayload' && !payload.emailSent
                    ? { color: 'orange', message: 'A new link was made, but the mail could not be sent. Try again later.' }
                    : { color: 'green', message: `Invitation resent to ${invitation.email}. The old link no longer works.` },
              );
            }}
          >
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
            onConfirm={async () => {
              const res = await revoke({ invitationId: invitation.id });
              const message = failureMessage(res.data?.revokeInvitation, res.error, 'Invitation');
              if (!message) notifications.show({ color: 'green', message: `The invitation of ${invitation.email} was revoked.` });
              return message;
            }}
          >
            <Text size="sm">The link sent to {invitation.email} stops working at once.</Text>
          </ConfirmDialog>
        </Suspense>
      )}
    </>
  );
}
