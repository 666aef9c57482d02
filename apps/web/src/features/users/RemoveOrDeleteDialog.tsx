import { useState } from 'react';
import { Alert, Button, Group, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from 'urql';
import { useOrg } from '../orgs/org-context.ts';
import { failureMessage } from '../../lib/errors.ts';
import { fullName } from '../../lib/format.ts';
import { readFragment } from '../../graphql/graphql.ts';
import { DeleteUserMutation, MemberDialogFields, RemoveMemberMutation, type DialogMember } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/**
 * R9: remove ends this one membership and keeps the account and its other memberships; delete
 * completely erases the account from every organization (platform admins, or org admins when the
 * user belongs to no other organization: the API answers with a PolicyError otherwise).
 */
export function RemoveOrDeleteDialog({ member: data, onClose }: { member: DialogMember; onClose(): void }) {
  const member = readFragment(MemberDialogFields, data);
  const { org } = useOrg();
  const [choice, setChoice] = useState<'remove' | 'delete'>('remove');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [typed, setTyped] = useState('');
  const [, remove] = useMutation(RemoveMemberMutation);
  const [, del] = useMutation(DeleteUserMutation);
  const name = fullName(member.user);
  // Deleting an account is final: its email is typed first.
  const deleteConfirmed = typed.trim().toLowerCase() === member.user.email.toLowerCase();

  async function confirm() {
    setBusy(true);
    setError(null);
    let message: string | null;
    if (choice === 'remove') {
      const res = await remove({ membershipId: member.id });
      message = failureMessage(res.data?.removeMember, res.error, 'RemovedMemberPayload');
    } else {
      const res = await del({ userId: member.user.id, organizationId: org.id });
      message = failureMessage(res.data?.deleteUser, res.error, 'DeletedPayload');
    }
    setBusy(false);
    if (message) return setError(message);
    notifications.show({
      color: 'green',
      message: choice === 'remove' ? t`${name} no longer has access to ${org.name}.` : t`${name}'s account was deleted.`,
    });
    onClose();
  }

  return (
    <Modal opened onClose={onClose} title={t`Remove ${name}?`} size="lg">
      <Stack gap="md">
        <Radio.Group value={choice} onChange={(v) => setChoice(v as 'remove' | 'delete')} name="remove-or-delete" label={t`Choose what happens`}>
          <Stack gap="sm" mt="xs">
            <Radio
              value="remove"
              label={t`Remove from ${org.name}`}
              description={t`${name} loses access to ${org.name} at once. The account stays, with its access to other organizations, and can sign in there.`}
            />
            <Radio
              value="delete"
              color="red"
              label={t`Delete completely`}
              description={t`The account ${member.user.email} is permanently deleted from every organization. Allowed to platform administrators, and to you only when the user belongs to no other organization.`}
            />
          </Stack>
        </Radio.Group>
        {choice === 'delete' && (
          <TextInput label={t`Type ${member.user.email} to confirm`} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} autoComplete="off" data-autofocus />
        )}
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            <Trans>Cancel</Trans>
          </Button>
          <Button color="red" loading={busy} disabled={choice === 'delete' && !deleteConfirmed} onClick={() => void confirm()}>
            {choice === 'remove' ? t`Yes, remove` : t`Delete account`}

          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
