import { useState, type FormEvent } from 'react';
import { Alert, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useMutation } from 'urql';
import { graphql } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';
import { useSession } from '../../app/session.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { readError } from '../../lib/errors.ts';

export const ChangePasswordMutation = graphql(
  `
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword, refreshTokenDelivery: COOKIE) {
      __typename
      ... on AuthPayload {
        accessToken
        accessTokenExpiresAt
        user {
          id
          mustChangePassword
        }
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

export const PASSWORD_MIN = 12;

/** Changes the password; the API ends every other session and returns fresh tokens. */
export function ChangePasswordForm({ onDone, submitLabel }: { onDone(): void; submitLabel?: string }) {
  const { tokensRenewed } = useSession();
  const [, changePassword] = useMutation(ChangePasswordMutation);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (next.length < PASSWORD_MIN) local.newPassword = t`Use at least ${PASSWORD_MIN} characters.`;
    if (confirm !== next) local.confirm = t`The passwords do not match.`;
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    const result = await changePassword({ currentPassword: current, newPassword: next });
    setBusy(false);
    const payload = result.data?.changePassword;
    if (!payload) return setFormError(result.error?.message ?? t`Could not change the password.`);
    if (payload.__typename === 'AuthPayload') {
      tokensRenewed(payload.accessToken, payload.accessTokenExpiresAt);
      setCurrent('');
      setNext('');
      setConfirm('');
      onDone();
      return;
    }
    const failed = readError(payload);
    const fieldErrors: Record<string, string> = {};
    for (const issue of failed?.issues ?? []) fieldErrors[issue.path.at(-1) ?? ''] = issue.message;
    setErrors(fieldErrors);
    if (Object.keys(fieldErrors).length === 0) setFormError(failed?.message ?? null);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        {formError && (
          <Alert color="red" variant="light" role="alert">
            {formError}
          </Alert>
        )}
        <PasswordInput
          label={t`Current password`}
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          error={errors.currentPassword}
        />
        <PasswordInput
          label={t`New password`}
          autoComplete="new-password"
          required
          description={t`${PASSWORD_MIN} to 256 characters; common passwords are refused.`}
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          error={errors.newPassword}
        />
        <PasswordInput
          label={t`Repeat new password`}
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
          error={errors.confirm}
        />
        <Text size="xs" c="dimmed">
          <Trans>Changing the password signs you out on every other device.</Trans>
        </Text>
        <Button type="submit" loading={busy}>
          {submitLabel ?? t`Change password`}

        </Button>
      </Stack>
    </form>
  );
}
