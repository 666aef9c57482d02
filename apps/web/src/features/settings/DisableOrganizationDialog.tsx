import { Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from 'urql';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { failureMessage } from '../../lib/errors.ts';
import { SetOrganizationStatusMutation } from './SettingsPage.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** R10: disabling an organization locks out every member at once, so its slug is typed first. */
export function DisableOrganizationDialog({ org, onClose }: { org: { id: string; slug: string; name: string } | null; onClose(): void }) {
  const [, setStatus] = useMutation(SetOrganizationStatusMutation);
  return (
    <ConfirmDialog
      opened={org !== null}
      title={t`Disable ${org?.name ?? ''}?`}
      confirmLabel={t`Disable organization`}
      typeToConfirm={org?.slug}
      onClose={onClose}
      onConfirm={async () => {
        if (!org) return null;
        const res = await setStatus({ organizationId: org.id, status: 'DISABLED' });
        const message = failureMessage(res.data?.setOrganizationStatus, res.error, 'Organization');
        if (!message) notifications.show({ color: 'green', message: t`${org.name} is disabled.` });
        return message;
      }}
    >
      <Text size="sm">
        <Trans>
          Every member of {org?.name} loses access at once and is sent back to the organization picker. Nothing is deleted: enabling it again restores
          every membership and role.
        </Trans>

      </Text>
    </ConfirmDialog>
  );
}
