// The invitation actions the invitations page and the users table share: resend, with its outcome
// as a notification, and revoke, whose refusal the confirm dialog shows.
import { useMutation } from 'urql';
import { notifications } from '@mantine/notifications';
import { failureMessage } from '../../lib/errors.ts';
import { ResendInvitationMutation, RevokeInvitationMutation } from './queries.ts';
import { t } from '@lingui/core/macro';

interface InvitationRef {
  id: string;
  email: string;
}

export function useInvitationActions() {
  const [, resendMutation] = useMutation(ResendInvitationMutation);
  const [, revokeMutation] = useMutation(RevokeInvitationMutation);
  return {
    async resend(invitation: InvitationRef) {
      const res = await resendMutation({ invitationId: invitation.id });
      const payload = res.data?.resendInvitation;
      const message = failureMessage(payload, res.error, 'ResendInvitationPayload');
      notifications.show(
        message
          ? { color: 'red', title: t`Not resent`, message }
          : payload?.__typename === 'ResendInvitationPayload' && !payload.emailSent
            ? { color: 'orange', message: t`A new link was made, but the mail could not be sent. Try again later.` }
            : { color: 'green', message: t`Invitation resent to ${invitation.email}. The old link no longer works.` },
      );
    },
    /** The refusal, or a falsy value once revoked (then a notification says so). */
    async revoke(invitation: InvitationRef) {
      const res = await revokeMutation({ invitationId: invitation.id });
      const message = failureMessage(res.data?.revokeInvitation, res.error, 'Invitation');
      if (!message) notifications.show({ color: 'green', message: t`The invitation of ${invitation.email} was revoked.` });

      return message;
    },
  };
}
