import { useState } from 'react';
import { Alert, Button, Group, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from 'urql';
import { useOrg } from '../orgs/org-context.ts';
import { failureMessage } from '../../lib/errors.ts';
import { fullName } from '../../lib/format.ts';
import { DeleteUserMutation, RemoveMemberMutation, type Member } from './queries.ts';

/**
 * R9: remove ends this one membership and keeps the account and its other memberships; delete
 * completely erases the account from every organization (platform admins, or org admins when the
 * user belongs to no other organization: the API answers with a PolicyError otherwise).
 */
export function RemoveOrDeleteDialog({ member, onClose }: { member: Member; onClose(): void }) {
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
      message: choice === 'remove' ? `${name} no longer has access to ${org.name}.` : `${name}'s account was deleted.`,
    });
    onClose();
  }

  return (
    <Modal opened onClose={onClose} title={`Remove ${name}?`} size="lg">
      <Stack gap="md">
        <Radio.Group value={choice} onChange={(v) => setChoice(v as 'remove' | 'delete')} name="remove-or-delete" label="Choose what happens">
          <Stack gap="sm" mt="xs">
            <Radio
              value="remove"
              label={`Remove from ${org.name}`}
              description={`${name} loses access to ${org.name} at once. The account stays, with its access to other organizations, and can sign in there.`}
            />
            <Radio
              value="delete"
              color="red"
              label="Delete completely"
              description={`The account ${member.user.email} is permanently deleted from every organization. Allowed to platform administrators, and to you only when the user belongs to no other organization.`}
            />
          </Stack>
        </Radio.Group>
        {choice === 'delete' && (
          <TextInput label={`Type ${member.user.email} to confirm`} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} autoComplete="off" data-autofocus />
        )}
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={busy} disabled={choice === 'delete' && !deleteConfirmed} onClick={() => void confirm()}>
            {choice === 'remove' ? 'Yes, remove' : 'Delete account'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
