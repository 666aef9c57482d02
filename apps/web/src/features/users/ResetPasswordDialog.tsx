import { useState } from 'react';
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { GuardedModal } from '../../components/GuardedModal.tsx';
import { AcknowledgeSecret } from '../../components/AcknowledgeSecret.tsx';
import { useMutation } from 'urql';
import { failureMessage } from '../../lib/errors.ts';
import { fullName } from '../../lib/format.ts';
import { SecretValue } from '../../components/SecretValue.tsx';
import { graphql, readFragment } from '../../graphql/graphql.ts';
import { MemberDialogFields, type DialogMember } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const ResetMemberPasswordMutation = graphql(`
  mutation ResetMemberPassword($membershipId: ID!) {
    resetMemberPassword(membershipId: $membershipId) {
      __typename
      ... on TemporaryPasswordPayload {
        temporaryPassword
        user {
          id
          mustChangePassword
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

/** R7: an admin gives a member a new temporary password, shown once. */
export function ResetPasswordDialog({ member: data, onClose }: { member: DialogMember; onClose(): void }) {
  const member = readFragment(MemberDialogFields, data);
  const [, reset] = useMutation(ResetMemberPasswordMutation);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [password, setPassword] = useState<string | null>(null);
  const name = fullName(member.user);
  return (
    <GuardedModal opened onClose={onClose} locked={password !== null} title={t`Reset ${name}'s password`}>
      <Stack gap="md">
        {password ? (
          <>
            <Text size="sm"><Trans>Share this temporary password securely. It is shown only once; {name} must change it at the next sign-in.</Trans></Text>
            <SecretValue value={password} label={t`Copy password`} />
            <AcknowledgeSecret onDone={onClose} />
          </>
        ) : (
          <>
            <Text size="sm">
              <Trans>{name} gets a new temporary password and is signed out everywhere. The old password stops working at once.</Trans>
            </Text>
            {error && (
              <Alert color="red" variant="light" role="alert">
                {error}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                <Trans>Cancel</Trans>
              </Button>
              <Button
                color="orange"
                loading={busy}
                onClick={async () => {
                  setBusy(true);
                  const res = await reset({ membershipId: member.id });
                  setBusy(false);
                  const payload = res.data?.resetMemberPassword;
                  const message = failureMessage(payload, res.error, 'TemporaryPasswordPayload');
                  if (message) setError(message);
                  else if (payload?.__typename === 'TemporaryPasswordPayload') setPassword(payload.temporaryPassword);
                }}
              >
                <Trans>Reset password</Trans>

              </Button>
            </Group>
          </>
        )}
      </Stack>
    </GuardedModal>
  );
}
