import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../graphql/graphql.ts';
import { useViewer } from '../../app/viewer.ts';
import { useSession } from '../../app/session.tsx';
import { ChangePasswordForm } from '../auth/ChangePasswordForm.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { PageLoader } from '../../components/PageLoader.tsx';
import { failureMessage, fieldErrors } from '../../lib/errors.ts';
import { formatDateTime } from '../../i18n/format.ts';
import { UpdateUserMutation } from '../users/queries.ts';
import { EmailAddressSection } from './EmailAddressSection.tsx';
import { AccountEmailQuery } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { LanguageSelect } from '../../i18n/LanguageSelect.tsx';

const SignOutEverywhereMutation = graphql(`
  mutation SignOutEverywhere {
    signOutEverywhere {
      ok
    }
  }
`);

/** My account: profile, email address (R20), password, sessions. */
export default function AccountPage() {
  const { viewer } = useViewer();
  const { sessionEnded } = useSession();
  const navigate = useNavigate();
  const [, update] = useMutation(UpdateUserMutation);
  const [, signOutEverywhere] = useMutation(SignOutEverywhereMutation);
  const [accountEmail] = useQuery({ query: AccountEmailQuery });
  const account = accountEmail.data?.viewer ?? null;
  const [firstName, setFirstName] = useState(viewer?.firstName ?? '');
  const [lastName, setLastName] = useState(viewer?.lastName ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  if (!viewer) return <PageLoader />;

  async function save() {
    setBusy(true);
    setErrors({});
    setFormError(null);
    // Names only: one's own email changes through requestEmailChange (R20), below.
    const res = await update({ input: { userId: viewer!.id, firstName: firstName.trim(), lastName: lastName.trim() } });
    setBusy(false);
    const payload = res.data?.updateUser;
    if (payload?.__typename === 'User') return void notifications.show({ color: 'green', message: t`Profile saved.` });
    if (payload?.__typename === 'ValidationError') return setErrors(fieldErrors(payload));
    setFormError(failureMessage(payload, res.error, 'User'));
  }

  return (
    <Stack gap="lg" maw={900}>
      <div>
        <Group gap="xs">
          <Title order={1} size="h2"><Trans>My account</Trans></Title>
          {viewer.isPlatformAdmin && (
            <Badge color="grape" variant="light">
              <Trans>platform admin</Trans>
            </Badge>
          )}
        </Group>
        <Text c="dimmed" size="sm">
          <Trans>Signs in with {viewer.authProvider} · last sign-in {formatDateTime(viewer.lastLoginAt)}</Trans>
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Paper withBorder p="lg" radius="md">
          <Stack gap="sm">
            <Title order={3} size="h4">
              <Trans>Profile</Trans>
            </Title>
            <TextInput label={t`First name`} value={firstName} onChange={(e) => setFirstName(e.currentTarget.value)} error={errors.firstName} />
            <TextInput label={t`Last name`} value={lastName} onChange={(e) => setLastName(e.currentTarget.value)} error={errors.lastName} />
            {formError && (
              <Alert color="red" variant="light" role="alert">
                {formError}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button onClick={() => void save()} loading={busy}>
                <Trans>Save profile</Trans>
              </Button>
            </Group>
          </Stack>
        </Paper>
        <Paper withBorder p="lg" radius="md" data-testid="email-address-section">
          {account ? <EmailAddressSection account={account} /> : <PageLoader label={t`Loading email address`} />}
        </Paper>
        <Paper withBorder p="lg" radius="md">
          <Stack gap="sm">
            <Title order={3} size="h4">
              <Trans>Password</Trans>
            </Title>
            <ChangePasswordForm onDone={() => notifications.show({ color: 'green', message: t`Password changed. Your other sessions were signed out.` })} />
          </Stack>
        </Paper>
        <Paper withBorder p="lg" radius="md">
          <Stack gap="sm" align="flex-start">
            <Title order={3} size="h4">
              <Trans>Sessions</Trans>
            </Title>
            <Text size="sm" c="dimmed">
              <Trans>Signs you out on every device and browser, including this one.</Trans>
            </Text>
            <Button color="red" variant="outline" onClick={() => setConfirm(true)}>
              <Trans>Sign out everywhere</Trans>
            </Button>
          </Stack>
        </Paper>
        <Paper withBorder p="lg" radius="md" data-testid="language-section">
          <Stack gap="sm">
            <Title order={3} size="h4">
              <Trans>Language</Trans>
            </Title>
            <LanguageSelect />
          </Stack>
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="lg" radius="md">
        <Title order={3} size="h4" mb="sm">
          <Trans>My organizations</Trans>
        </Title>
        <Stack gap={6}>
          {viewer.memberships.map((m) => (
            <Group key={m.id} justify="space-between">
              <Text size="sm">{m.organization.name}</Text>
              <Text size="sm" c="dimmed">
                {m.roles.map((r) => r.name).join(', ')}
                {m.status !== 'ACTIVE' && ` · ${t`disabled`}`}
              </Text>
            </Group>
          ))}
          {viewer.memberships.length === 0 && <Text c="dimmed"><Trans>None.</Trans></Text>}
        </Stack>
      </Paper>
      <ConfirmDialog
        opened={confirm}
        title={t`Sign out everywhere?`}
        confirmLabel={t`Sign out everywhere`}
        onClose={() => setConfirm(false)}
        onConfirm={async () => {
          const res = await signOutEverywhere({});
          if (res.error) return res.error.message;
          sessionEnded();
          navigate('/sign-in', { replace: true });
          return null;
        }}
      >
        <Text size="sm"><Trans>Every session of your account ends, here too. You will need to sign in again.</Trans></Text>

      </ConfirmDialog>
    </Stack>
  );
}
