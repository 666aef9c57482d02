import { useEffect, useState } from 'react';
import { Alert, Button, Group, Loader, Text } from '@mantine/core';
import { Link, useLocation } from 'react-router';
import { useMutation } from 'urql';
import { useSession } from '../../app/session.tsx';
import { AuthLayout } from '../auth/AuthLayout.tsx';
import { failureMessage } from '../../lib/errors.ts';
import { ConfirmEmailMutation } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/**
 * The token of a confirmation link (`/account/confirm-email#token=…`). The fragment never reaches a
 * server, so the secret stays out of logs and Referer headers; it is read once and taken out of the
 * address bar at once (history.replaceState keeps the router's own history state), so it is not left
 * in the history either.
 */
function useLinkToken(): string {
  const { hash } = useLocation();
  const [token] = useState(() => new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '');
  useEffect(() => {
    if (window.location.hash !== '') {
      window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    }
  }, []);
  return token;
}

type Outcome = { kind: 'confirmed'; email: string } | { kind: 'failed'; message: string };

/**
 * A link works once, so it is sent once per page load: a second effect run (StrictMode) or a page
 * mounted again (the shell re-rendering around it once the session is restored) gets the first
 * answer instead of sending the token again and showing "not valid any more".
 */
const answers = new Map<string, Promise<Outcome>>();
function confirmOnce(token: string, send: () => Promise<Outcome>): Promise<Outcome> {
  let answer = answers.get(token);
  if (!answer) answers.set(token, (answer = send()));
  return answer;
}

/** Public page of an email confirmation link (R20): works signed in or not. */
export default function ConfirmEmailPage() {
  const token = useLinkToken();
  const { status } = useSession();
  const [, confirm] = useMutation(ConfirmEmailMutation);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    // Wait for a restored session, so a signed-in account's cached address is updated by the answer.
    if (!token || status === 'loading') return;
    let current = true;
    void confirmOnce(token, async () => {
      const res = await confirm({ token });
      const payload = res.data?.confirmEmail;
      if (payload?.__typename === 'User') return { kind: 'confirmed', email: payload.email };
      return { kind: 'failed', message: failureMessage(payload, res.error, 'User') ?? t`Could not confirm the address.` };
    }).then((answer) => current && setOutcome(answer));
    return () => {
      current = false;
    };
  }, [token, status, confirm]);

  const signedIn = status === 'signedIn';
  const onward = signedIn ? (
    <Button component={Link} to="/account" variant="light">
      <Trans>Go to My account</Trans>
    </Button>
  ) : (
    <Button component={Link} to={`/sign-in?next=${encodeURIComponent('/account')}`}>
      <Trans>Sign in</Trans>
    </Button>
  );

  if (!token) {
    return (
      <AuthLayout title={t`Link incomplete`} subtitle={t`This page needs the whole link from the confirmation email.`}>
        <Text size="sm"><Trans>Open the link from the email again. If it was already used, ask for a new one on My account.</Trans></Text>
        <Group>{onward}</Group>
      </AuthLayout>
    );
  }
  if (!outcome) {
    return (
      <AuthLayout title={t`Confirming your email address`}>
        <Group gap="sm" role="status" aria-label={t`Confirming`}>
          <Loader size="sm" />
          <Text size="sm"><Trans>One moment…</Trans></Text>
        </Group>
      </AuthLayout>
    );
  }
  if (outcome.kind === 'failed') {
    return (
      <AuthLayout title={t`Address not confirmed`}>
        <Alert color="red" variant="light" role="alert">
          {outcome.message}
        </Alert>
        <Text size="sm"><Trans>Links work once, for 24 hours, and only the newest one. Ask for a new one on My account.</Trans></Text>
        <Group>{onward}</Group>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={t`Email address confirmed`}>
      <Alert color="green" variant="light" role="status" data-testid="confirmed-email">
        <Trans>Your account’s email address is now <b>{outcome.email}</b>.</Trans>
      </Alert>
      <Text size="sm">{signedIn ? t`You stay signed in.` : t`Sign in with ${outcome.email} from now on.`}
</Text>
      <Group>{onward}</Group>
    </AuthLayout>
  );
}
