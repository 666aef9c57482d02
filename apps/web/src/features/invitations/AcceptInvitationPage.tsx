import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useSession } from '../../app/session.tsx';
import { ViewerQuery } from '../../app/viewer.ts';
import { AuthLayout } from '../auth/AuthLayout.tsx';
import { PageLoader } from '../../components/PageLoader.tsx';
import { fieldErrors, failureMessage } from '../../lib/errors.ts';
import { formatDate } from '../../lib/format.ts';
import { PASSWORD_MIN } from '../auth/ChangePasswordForm.tsx';
import { AcceptInvitationMutation, InvitationPreviewQuery } from './queries.ts';

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
      <AuthLayout title="Invitation not valid" subtitle="This link is unknown, was revoked, or a newer invitation replaced it.">
        <Button component={Link} to="/" variant="light">
          Go to Gatehouse
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
    if (!signedInAs && password.length < PASSWORD_MIN) return setErrors({ password: `Use at least ${PASSWORD_MIN} characters.` });
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
      title={`Join ${invitation.organizationName}`}
      subtitle={`${invitation.inviterName ?? 'Someone'} invited ${invitation.email}. The link expires on ${formatDate(invitation.expiresAt)}.`}
    >
      <Group gap={6}>
        <Text size="sm">Roles:</Text>
        {invitation.roles.map((r) => (
          <Badge key={r.key} variant="light" title={r.description}>
            {r.name}
          </Badge>
        ))}
      </Group>
      {!usable && (
        <Alert color="orange" variant="light">
          This invitation is {invitation.status.toLowerCase()}. Ask for a new one.
        </Alert>
      )}
      {error && (
        <Alert color="red" variant="light" role="alert">
          {error}
        </Alert>
      )}
      {usable && signedInAs && !mismatch && (
        <Button onClick={() => void submit()} loading={busy}>
          Accept as {signedInAs}
        </Button>
      )}
      {usable && mismatch && (
        <Stack gap="xs">
          <Text size="sm">
            You are signed in as {signedInAs}, but the invitation is for {invitation.email}.
          </Text>
          <Button variant="light" onClick={() => void signOut().then(() => navigate(`/sign-in?next=${encodeURIComponent(next)}`))}>
            Sign out and sign in as {invitation.email}
          </Button>
        </Stack>
      )}
      {usable && !signedInAs && invitation.accountExists && (
        <Stack gap="xs">
          <Text size="sm">An account with {invitation.email} exists. Sign in with it to accept.</Text>
          <Button component={Link} to={`/sign-in?next=${encodeURIComponent(next)}`}>
            Sign in to accept
          </Button>
        </Stack>
      )}
      {usable && !signedInAs && !invitation.accountExists && (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <TextInput label="Email" value={invitation.email} readOnly />
            <Group grow align="flex-start">
              <TextInput label="First name" required value={firstName} onChange={(e) => setFirstName(e.currentTarget.value)} error={errors.firstName} />
              <TextInput label="Last name" required value={lastName} onChange={(e) => setLastName(e.currentTarget.value)} error={errors.lastName} />
            </Group>
            <PasswordInput
              label="Choose a password"
              required
              autoComplete="new-password"
              description={`${PASSWORD_MIN} to 256 characters; common passwords are refused.`}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={errors.password}
            />
            <Button type="submit" loading={busy}>
              Create account and join
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
