// Session state: signed in or out, the urql client of the session, and the auth actions.
import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider, type Client } from 'urql';
import { graphql } from '../graphql/graphql.ts';
import { createClient } from './client.ts';
import { accessMayHaveChanged } from './live-access.ts';
import { AuthPayloadFragment, publicClient, refreshAccessToken, tokens } from './tokens.ts';
import { t } from '@lingui/core/macro';

export const SignInMutation = graphql(
  `
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password, refreshTokenDelivery: COOKIE) {
      __typename
      ... on AuthPayload {
        ...AuthPayloadFields
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        issues {
          path
          message
        }
      }
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
    }
  }
`,
  [AuthPayloadFragment],
);

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut {
      ok
    }
  }
`);

export type SessionStatus = 'loading' | 'signedOut' | 'signedIn';

export type SignInResult =
  | { ok: true; mustChangePassword: boolean }
  | { ok: false; message: string; fieldErrors: Record<string, string> };

interface SessionValue {
  status: SessionStatus;
  /** Set when the API said the temporary password must be changed first. */
  passwordChangeRequired: boolean;
  signIn(email: string, password: string): Promise<SignInResult>;
  signOut(): Promise<void>;
  /** After changePassword returned new tokens. */
  tokensRenewed(accessToken: string, expiresAt: string): void;
  /** The session ended elsewhere (sign out everywhere, revoked refresh token). */
  sessionEnded(): void;
  /** A new session whose tokens came from another mutation (accepting an invitation). */
  adoptSession(accessToken: string, expiresAt: string): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = use(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export function SessionProvider({ children, initialStatus }: { children: ReactNode; initialStatus?: SessionStatus }) {
  const [status, setStatus] = useState<SessionStatus>(initialStatus ?? 'loading');
  const [passwordChangeRequired, setPasswordChangeRequired] = useState(false);
  const [generation, setGeneration] = useState(0);

  const lost = useCallback(() => {
    tokens.clear();
    setStatus('signedOut');
    setGeneration((g) => g + 1);
  }, []);
  const hooksRef = useRef({ onSessionLost: lost, onPasswordChangeRequired: () => setPasswordChangeRequired(true), onForbidden: accessMayHaveChanged });

  // A fresh client (and cache) for every session.
  const client: Client = useMemo(
    () =>
      createClient({
        onSessionLost: () => hooksRef.current.onSessionLost(),
        onPasswordChangeRequired: () => hooksRef.current.onPasswordChangeRequired(),
        onForbidden: () => hooksRef.current.onForbidden(),
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [generation],
  );

  // On start: try the refresh cookie.
  useEffect(() => {
    if (initialStatus) return;
    let cancelled = false;
    refreshAccessToken().then(
      (outcome) => {
        if (cancelled) return;
        setPasswordChangeRequired(outcome.ok && outcome.user.mustChangePassword);
        setStatus(outcome.ok ? 'signedIn' : 'signedOut');
      },
      () => !cancelled && setStatus('signedOut'),
    );
    return () => {
      cancelled = true;
    };
  }, [initialStatus]);

  const value = useMemo<SessionValue>(
    () => ({
      status,
      passwordChangeRequired,
      async signIn(email, password) {
        const result = await publicClient.mutation(SignInMutation, { email, password }).toPromise();
        const payload = result.data?.signIn;
        if (!payload) return { ok: false, message: result.error?.message ?? t`Could not reach the server.`, fieldErrors
: {} };
        if (payload.__typename === 'AuthPayload') {
          tokens.set(payload.accessToken, payload.accessTokenExpiresAt);
          setPasswordChangeRequired(payload.user.mustChangePassword);
          setGeneration((g) => g + 1);
          setStatus('signedIn');
          return { ok: true, mustChangePassword: payload.user.mustChangePassword };
        }
        const fieldErrors: Record<string, string> = {};
        if (payload.__typename === 'ValidationError') for (const issue of payload.issues) fieldErrors[issue.path.at(-1) ?? ''] = issue.message;
        let message = payload.message;
        if (payload.__typename === 'TooManyAttemptsError') message = `${payload.message} Try again in ${payload.retryAfterSeconds} s.`;
        return { ok: false, message, fieldErrors };
      },
      async signOut() {
        await client.mutation(SignOutMutation, {}).toPromise().catch(() => undefined);
        setPasswordChangeRequired(false);
        lost();
      },
      tokensRenewed(accessToken, expiresAt) {
        tokens.set(accessToken, expiresAt);
        setPasswordChangeRequired(false);
      },
      sessionEnded() {
        setPasswordChangeRequired(false);
        lost();
      },
      adoptSession(accessToken, expiresAt) {
        tokens.set(accessToken, expiresAt);
        setPasswordChangeRequired(false);
        setGeneration((g) => g + 1);
        setStatus('signedIn');
      },
    }),
    [status, passwordChangeRequired, client, lost],
  );

  return (
    <SessionContext value={value}>
      <UrqlProvider value={client}>{children}</UrqlProvider>
    </SessionContext>
  );
}
