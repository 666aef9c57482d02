import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useSession } from '../../app/session.tsx';
import { AuthLayout } from './AuthLayout.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { emailIssueText } from '../../i18n/rule-texts.ts';

function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignInPage() {
  const { status, signIn } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  if (status === 'signedIn' && !busy) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    // The API's own address rule (packages/permissions): a typo is explained before any attempt is counted.
    const problem = emailIssueText(email);
    const local: Record<string, string> = {};
    if (problem) local.email = problem;
    if (password === '') local.password = t`Enter your password`;
    setFieldErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    const result = await signIn(email.trim(), password);
    if (result.ok) {
      // Stay busy: the redirect below must not race this navigation.
      navigate(result.mustChangePassword ? '/change-password' : next, { replace: true });
    } else {
      setBusy(false);
      setError(result.message);
      setFieldErrors(result.fieldErrors);
    }
  }

  return (
    <AuthLayout title={t`Sign in`} subtitle={t`Manage your teams and their access.`}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error}
            </Alert>
          )}
          <TextInput
            label={t`Email`}
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={fieldErrors.email}
          />
          <PasswordInput
            label={t`Password`}
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldErrors.password}
          />
          <Button type="submit" loading={busy} fullWidth mt="xs">
            <Trans>Sign in</Trans>

          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
