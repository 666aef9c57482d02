import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from 'urql';
import { canonicalEmail } from '@gatehouse/permissions';
import { failureMessage, fieldErrors, readError } from '../../lib/errors.ts';
import { readFragment, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';
import { AccountEmailFields, RequestEmailChangeMutation, RequestEmailVerificationMutation } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { emailIssueText } from '../../i18n/rule-texts.ts';

/**
 * My account, "Email address" (R20): the address in force, whether its holder proved it, a change
 * waiting for confirmation, and the form that asks for one. Nothing here changes the address: only
 * following the link sent to the new address does.
 */
export function EmailAddressSection({ account: ref }: { account: FragmentOf<typeof AccountEmailFields> }) {
  const account = readFragment(AccountEmailFields, ref);
  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        <Trans>Email address</Trans>
      </Title>
      <CurrentAddress account={account} />
      {account.pendingEmail && (
        <Alert color="blue" variant="light" title={t`Change waiting for confirmation`} data-testid="pending-email">
          <Text size="sm">
            <Trans><b>{account.pendingEmail}</b> becomes your address once the link sent there is followed. Until then you sign in with {account.email}.</Trans>
          </Text>
        </Alert>
      )}
      <ChangeEmailForm currentEmail={account.email} />
    </Stack>
  );
}

function CurrentAddress({ account }: { account: ResultOf<typeof AccountEmailFields> }) {
  const [, requestVerification] = useMutation(RequestEmailVerificationMutation);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function send() {
    setBusy(true);
    setError(null);
    const res = await requestVerification({});
    setBusy(false);
    const user = res.data?.requestEmailVerification;
    if (user) setSentTo(user.email);
    else setError(failureMessage(null, res.error) ?? t`Could not send the link.`);
  }

  return (
    <Stack gap={6}>
      <Group gap="xs">
        <Text fw={600} data-testid="current-email" style={{ overflowWrap: 'anywhere' }}>
          {account.email}
        </Text>
        {account.emailVerified ? (
          <Badge color="green" variant="light" style={{ flexShrink: 0 }}>
            <Trans>Confirmed</Trans>
          </Badge>
        ) : (
          <Badge color="orange" variant="light" style={{ flexShrink: 0 }}>
            <Trans>Not confirmed</Trans>
          </Badge>
        )}
      </Group>
      {!account.emailVerified && !sentTo && (
        <Stack gap={6} align="flex-start">
          <Text size="sm" c="dimmed">
            <Trans>Confirm that this address is yours: until then it is not used to match invitations or new access to you.</Trans>
            {account.pendingEmail && ` ${t`A new link cancels the pending change.`}`}
          </Text>
          <Button size="xs" variant="light" loading={busy} onClick={() => void send()}>
            <Trans>Send confirmation link</Trans>
          </Button>
        </Stack>
      )}
      {sentTo && (
        <Text size="sm" c="var(--mantine-color-green-text)" role="status">
          <Trans>Confirmation link sent to {sentTo}. It works once, for 24 hours.</Trans>
        </Text>
      )}
      {error && (
        <Text size="sm" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}

/** The new address and the current password; the API mails a link to the new address and tells the old one. */
export function ChangeEmailForm({ currentEmail }: { currentEmail: string }) {
  const [, requestChange] = useMutation(RequestEmailChangeMutation);
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local: Record<string, string> = {};
    const problem = emailIssueText(newEmail);
    if (problem) local.newEmail = problem;
    else if (canonicalEmail(newEmail) === canonicalEmail(currentEmail)) local.newEmail = t`This is already your email address`;
    if (password === '') local.currentPassword = t`Enter your current password`;
    setErrors(local);
    setFormError(null);
    setSentTo(null);
    if (Object.keys(local).length > 0) return;

    setBusy(true);
    const res = await requestChange({ currentPassword: password, newEmail: newEmail.trim() });
    setBusy(false);
    const payload = res.data?.requestEmailChange;
    if (payload?.__typename === 'User') {
      setSentTo(payload.pendingEmail ?? canonicalEmail(newEmail) ?? newEmail.trim());
      setNewEmail('');
      setPassword('');
      return;
    }
    setPassword('');
    if (payload?.__typename === 'ValidationError') {
      const byField = fieldErrors(payload);
      const known = { newEmail: byField.newEmail, currentPassword: byField.currentPassword };
      setErrors(Object.fromEntries(Object.entries(known).filter(([, v]) => v)) as Record<string, string>);
      const failed = readError(payload);
      const other = (failed?.issues ?? []).filter((i) => !['newEmail', 'currentPassword'].includes(i.path.at(-1) ?? ''));
      if (other.length > 0 || (!known.newEmail && !known.currentPassword)) setFormError(other.map((i) => i.message).join(' ') || (failed?.message ?? null));
      return;
    }
    if (payload?.__typename === 'ConflictError') return setErrors({ newEmail: readError(payload)?.message ?? '' });
    if (payload?.__typename === 'TooManyAttemptsError') return setFormError(`${readError(payload)?.message ?? ''} ${t`Try again in ${payload.retryAfterSeconds} s.`}`);
    setFormError(failureMessage(payload, res.error, 'User'));
  }

  return (
    <form onSubmit={submit} noValidate aria-label={t`Change email`}>
      <Stack gap="sm">
        <Text fw={600} size="sm">
          <Trans>Change email</Trans>
        </Text>
        <TextInput
          label={t`New email address`}
          type="email"
          autoComplete="email"
          required
          value={newEmail}
          onChange={(e) => setNewEmail(e.currentTarget.value)}
          error={errors.newEmail}
        />
        <PasswordInput
          label={t`Current password`}
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.currentPassword}
        />
        {formError && (
          <Alert color="red" variant="light" role="alert">
            {formError}
          </Alert>
        )}
        {sentTo && (
          <Alert color="green" variant="light" role="status" data-testid="email-change-sent">
            <Trans>Confirmation sent to {sentTo}; your current address stays in force until then.</Trans>
          </Alert>
        )}
        <Text size="xs" c="dimmed">
          <Trans>A link goes to the new address and {currentEmail} is told. The change happens only when the link is followed.</Trans>
        </Text>
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            <Trans>Change email</Trans>

          </Button>
        </Group>
      </Stack>
    </form>
  );
}
