import { Client, fetchExchange, mapExchange, type CombinedError } from 'urql';
import { authExchange } from '@urql/exchange-auth';
import { createCacheExchange } from './cache.ts';
import { refreshAccessToken, tokens } from './tokens.ts';

export function errorCode(error: CombinedError | undefined): string | undefined {
  return error?.graphQLErrors.find((e) => typeof e.extensions?.code === 'string')?.extensions.code as string | undefined;
}

export interface ClientHooks {
  /** The refresh cookie is gone or was revoked: the user is signed out. */
  onSessionLost(): void;
  /** The API refused an operation until the temporary password is changed. */
  onPasswordChangeRequired(): void;
  /** The API refused an operation (FORBIDDEN): the viewer's access changed, read it again. */
  onForbidden?(): void;
}

/** One client per signed-in session: signing out throws the whole cache away with it. */
export function createClient(hooks: ClientHooks): Client {
  return new Client({
    url: '/graphql',
    fetchOptions: { credentials: 'same-origin' },
    preferGetMethod: false,
    exchanges: [
      // R25: a refusal means the roles the SPA shows are stale; the hook refetches the viewer.
      mapExchange({
        onResult(result) {
          if (errorCode(result.error) === 'FORBIDDEN') hooks.onForbidden?.();
        },
      }),
      createCacheExchange(),
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const token = tokens.token;
          return token ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` }) : operation;
        },
        // Renew shortly before the token expires rather than wait for a refusal.
        willAuthError() {
          return tokens.token !== null && tokens.expiresWithin(20_000);
        },
        didAuthError(error) {
          const code = errorCode(error);
          if (code === 'PASSWORD_CHANGE_REQUIRED') hooks.onPasswordChangeRequired();
          return code === 'UNAUTHENTICATED';
        },
        async refreshAuth() {
          const outcome = await refreshAccessToken();
          if (!outcome.ok) hooks.onSessionLost();
        },
      })),
      fetchExchange,
    ],
  });
}
