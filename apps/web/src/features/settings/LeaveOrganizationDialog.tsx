import { Text } from '@mantine/core';
import { useMutation } from 'urql';
import { useNavigate } from 'react-router';
import { notifications } from '@mantine/notifications';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { failureMessage } from '../../lib/errors.ts';
import { useOrg } from '../orgs/org-context.ts';
import { LeaveOrganizationMutation } from '../users/queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** R11: a member leaves; the API refuses when they are the last owner (R5) or the preset forbids it. */
export function LeaveOrganizationDialog({ onClose }: { onClose(): void }) {
  const { org } = useOrg();
  const navigate = useNavigate();
  const [, leave] = useMutation(LeaveOrganizationMutation);
  return (
    <ConfirmDialog
      opened
      title={t`Leave ${org.name}?`}
      confirmLabel={t`Yes, leave`}
      onClose={onClose}
      onConfirm={async () => {
        const res = await leave({ organizationId: org.id });
        const message = failureMessage(res.data?.leaveOrganization, res.error, 'LeftOrganizationPayload');
        if (!message) {
          notifications.show({ color: 'green', message: t`You left ${org.name}.` });
          navigate('/', { replace: true });
        }
        return message;
      }}
    >
      <Text size="sm">
        <Trans>
          You lose access to {org.name} at once. To come back, an administrator has to add you again. Your account and your other organizations
          are not affected.
        </Trans>

      </Text>
    </ConfirmDialog>
  );
}
