import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useSession } from '../../app/session.tsx';
import { ViewerQuery } from '../../app/viewer.ts';
import { AuthLayout } from '../auth/AuthLayout.tsx';
import { PageLoader } from '../../components/PageLoader.tsx';
import { fieldErrors, failureMessage } from '../../lib/errors.ts';
import { formatDate } from '../../i18n/format.ts';
import { PASSWORD_MIN } from '../auth/ChangePasswordForm.tsx';
import { AcceptInvitationMutation, InvitationPreviewQuery } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { roleLabel } from '../../i18n/data-names.ts';

const ACCEPT_PATH = '/invitations/accept';
const STORAGE_KEY = 'gatehouse.invitationToken';

/**
 * The invitation token of this tab. Links carry it in the fragment (`/invitations/accept#token=…`),
 * which browsers never send to a server; older links had it in the path (`/invite/<token>`). It is
 * kept in sessionStorage, so a sign-in round trip or a reload still finds it, and taken out of the
 * address bar at once (a history.replaceState through the router): it never shows up in a path,
 * a query string, the history or a Referer.
 */
function useInvitationToken(): string {
  const params = useParams();
  const { hash } = useLocation();
  const navigate = useNavigate();
  const [token] = useState(() => {
    const fromLink = new URLSearchParams(hash.slice(1)).get('token') ?? params.token;
    if (fromLink) sessionStorage.setItem(STORAGE_KEY, fromLink);
    return fromLink ?? sessionStorage.getItem(STORAGE_KEY) ?? '';
  });
  const inAddressBar = hash !== '' || params.token !== undefined;
  useEffect(() => {
    if (inAddressBar) navigate(ACCEPT_PATH, { replace: true });
  }, [inAddressBar, navigate]);
  return token;
}

/** Public page of an invitation link (R8): join with the signed-in account, or create one. */
export default function AcceptInvitationPage() {
  const token = useInvitationToken();
  const { status, adoptSession, signOut } = useSession();
  const navigate = useNavigate();
  const [preview] = useQuery({ query: InvitationPreviewQuery, variables: { token }, requestPolicy: 'network-only', pause: !token });
  // Asked only once the session is restored: asked earlier, the answer (no viewer) would stay cached.
  const [viewerResult] = useQuery({ query: ViewerQuery, pause: status !== 'signedIn' });
  const viewer = viewerResult.data?.viewer ?? null;
  const [, accept] = useMutation(AcceptInvitationMutation);
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (status === 'loading' || (preview.fetching && !preview.data) || (status === 'signedIn' && !viewerResult.data)) return <PageLoader />;
  const invitation = preview.data?.invitationPreview;
  if (!invitation) {
    return (
      <AuthLayout title={t`Invitation not valid`} subtitle={t`This link is unknown, was revoked, or a newer invitation replaced it.`}>
        <Button component={Link} to="/" variant="light">
          <Trans>Go to Gatehouse</Trans>
        </Button>
      </AuthLayout>
    );
  }
  const next = ACCEPT_PATH;
  const signedInAs = status === 'signedIn' ? viewer?.email : null;
  const mismatch = signedInAs && signedInAs.toLowerCase() !== invitation.email.toLowerCase();
  const usable = invitation.status === 'PENDING';

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!signedInAs && password.length < PASSWORD_MIN) return setErrors({ password: t`Use at least ${PASSWORD_MIN} characters.` });
    setBusy(true);
    setError(null);
    setErrors({});
    const res = await accept(
      signedInAs ? { token } : { token, firstName: firstName.trim(), lastName: lastName.trim(), password },
    );
    setBusy(false);
    const payload = res.data?.acceptInvitation;
    if (payload?.__typename === 'AcceptInvitationPayload') {
      sessionStorage.removeItem(STORAGE_KEY);
      if (payload.auth) adoptSession(payload.auth.accessToken, payload.auth.accessTokenExpiresAt);
      navigate(`/o/${payload.organization.slug}/users`, { replace: true });
      return;
    }
    if (payload?.__typename === 'ValidationError') setErrors(fieldErrors(payload));
    setError(failureMessage(payload, res.error, 'AcceptInvitationPayload'));
  }

  return (
    <AuthLayout
      title={t`Join ${invitation.organizationName}`}
      subtitle={
        invitation.inviterName
          ? t`${invitation.inviterName} invited ${invitation.email}. The link expires on ${formatDate(invitation.expiresAt)}.`
          : t`Someone invited ${invitation.email}. The link expires on ${formatDate(invitation.expiresAt)}.`
      }
    >
      <Group gap={6}>
        <Text size="sm"><Trans>Roles:</Trans></Text>
        {invitation.roles.map((r) => (
          <Badge key={r.key} variant="light" title={r.description}>
            {roleLabel(r)}
          </Badge>
        ))}
      </Group>
      {!usable && (
        <Alert color="orange" variant="light">
          {invitation.status === 'EXPIRED'
            ? t`This invitation has expired. Ask for a new one.`
            : invitation.status === 'REVOKED'
              ? t`This invitation was revoked. Ask for a new one.`
              : invitation.status === 'ACCEPTED'
                ? t`This invitation was already accepted. Ask for a new one.`
                : t`This invitation is ${invitation.status.toLowerCase()}. Ask for a new one.`}
        </Alert>
      )}
      {error && (
        <Alert color="red" variant="light" role="alert">
          {error}
        </Alert>
      )}
      {usable && signedInAs && !mismatch && (
        <Button onClick={() => void submit()} loading={busy}>
          <Trans>Accept as {signedInAs}</Trans>
        </Button>
      )}
      {usable && mismatch && (
        <Stack gap="xs">
          <Text size="sm">
            <Trans>You are signed in as {signedInAs}, but the invitation is for {invitation.email}.</Trans>
          </Text>
          <Button variant="light" onClick={() => void signOut().then(() => navigate(`/sign-in?next=${encodeURIComponent(next)}`))}>
            <Trans>Sign out and sign in as {invitation.email}</Trans>
          </Button>
        </Stack>
      )}
      {usable && !signedInAs && invitation.accountExists && (
        <Stack gap="xs">
          <Text size="sm"><Trans>An account with {invitation.email} exists. Sign in with it to accept.</Trans></Text>
          <Button component={Link} to={`/sign-in?next=${encodeURIComponent(next)}`}>
            <Trans>Sign in to accept</Trans>
          </Button>
        </Stack>
      )}
      {usable && !signedInAs && !invitation.accountExists && (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <TextInput label={t`Email`} value={invitation.email} readOnly />
            <Group grow align="flex-start">
              <TextInput label={t`First name`} required value={firstName} onChange={(e) => setFirstName(e.currentTarget.value)} error={errors.firstName} />
              <TextInput label={t`Last name`} required value={lastName} onChange={(e) => setLastName(e.currentTarget.value)} error={errors.lastName} />
            </Group>
            <PasswordInput
              label={t`Choose a password`}
              required
              autoComplete="new-password"
              description={t`${PASSWORD_MIN} to 256 characters; common passwords are refused.`}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={errors.password}
            />
            <Button type="submit" loading={busy}>
              <Trans>Create account and join</Trans>

            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
