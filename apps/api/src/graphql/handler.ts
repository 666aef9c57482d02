import type http from 'node:http';
import { createYoga, useErrorHandler, type Plugin } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { emOf } from '../db/orm.ts';
import { authenticate, createContext, type App } from '../context.ts';
import { schema } from './schema.ts';
import { limitsPlugin } from './limits.ts';
import { compiledExecution } from './jit.ts';
import { credentialGate } from './credential-gate.ts';
import { readRouting } from './read-routing.ts';
import { presentable } from './error-text.ts';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { parseCookies } from '../auth/refresh-token.ts';
import { AuthError, DomainError, ValidationError } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import { corsOptions } from '../http/cors.ts';
import { renderGraphiQL } from '../http/graphiql.ts';

/** The GraphQL endpoint: yoga with the schema, error masking, limits and the per-request context. */
export function createGraphQLHandler(app: App) {
  return createYoga<{ req: http.IncomingMessage; res: http.ServerResponse }>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: app.config.graphiql ? { title: 'Gatehouse GraphiQL', credentials: 'same-origin' } : false,
    // GraphiQL from the installed package, no CDN, no inline script (http/graphiql.ts).
    renderGraphiQL,
    // CORS only for the exact origins of CORS_ORIGINS (yoga's default would reflect any origin).
    cors: corsOptions(app.config.corsOrigins),
    landingPage: false,
    // server.ts reads and bounds every POST body (MAX_BODY_BYTES) before yoga sees it; yoga's own
    // limit would pipe the body through one more stream per request for nothing.
    maxRequestBodySize: false,
    logging: false,
    // Unexpected errors are masked; typed GraphQL errors (codes) pass through.
    maskedErrors: { maskError: maskErrorFor(app) },
    plugins: [
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      limitsPlugin({ hideSuggestions: !app.config.graphiql }),
      useDisableIntrospection({ isDisabled: () => !app.config.graphiql }),
      blockFieldSuggestions(!app.config.graphiql),
      // R23: a personal access token calls only the mutations of its organization (graphql/credential-gate.ts).
      credentialGate(),
      // Read replicas: queries may read lists from one, mutations and recent writers read the primary (graphql/read-routing.ts).
      readRouting(app),
      useErrorHandler(() => {}),
      // Last, so the limits above have refused a costly document before it is compiled.
      compiledExecution(),
    ],
    context: async ({ request, req, res }) => {
      const em = emOf(app.orm);
      const meta = {
        requestId: request.headers.get('x-request-id') ?? crypto.randomUUID(),
        ip: clientIp(req, app.config.trustProxy),
        userAgent: request.headers.get('user-agent') ?? undefined,
        cookies: parseCookies(request.headers.get('cookie')),
      };
      const principal = await authenticate(app, em, request.headers.get('authorization'), meta.ip);
      return createContext(app, em, meta, principal, (cookie) => res?.appendHeader('set-cookie', cookie));
    },
  });
}

/** yoga's `maskError`, also used by the direct path (graphql/direct.ts) for what escapes yoga's own handling. */
export function maskErrorFor(app: App) {
  return (error: unknown, message: string) => presentable(classify(app, error, message), !app.config.graphiql);
}

/** Typed errors keep their code; anything unexpected is logged and masked (never a stack trace). */
function classify(app: App, error: unknown, message: string): GraphQLError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof AuthError) return new GraphQLError(original.message, { extensions: { code: original.code } });
  // A business error on a field whose result union does not list it: still typed, never a 500.
  if (original instanceof DomainError) return domainErrorAsGraphQL(original);
  if (error instanceof GraphQLError && !original) return error;
  if (original instanceof GraphQLError) return original;
  app.log.error({ err: original ?? error }, 'unexpected error');
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * With introspection off (production by default), no error may name or suggest schema elements:
 * graphql-js' "Did you mean …?" hints are cut from validation errors.
 */
function blockFieldSuggestions(enabled: boolean): Plugin {
  return {
    onValidate() {
      if (!enabled) return;
      return ({ result, setResult }) => {
        if (result.length === 0) return;
        setResult(result.map((e) => presentable(e, true)));
      };
    },
  };
}

const DOMAIN_CODES: Record<string, string> = {
  ValidationError: 'BAD_USER_INPUT',
  NotFoundError: 'NOT_FOUND',
  ConflictError: 'CONFLICT',
  PolicyError: 'FORBIDDEN',
  TooManyAttemptsError: 'RATE_LIMITED',
  RateLimitedError: 'RATE_LIMITED',
};

function domainErrorAsGraphQL(error: DomainError): GraphQLError {
  const extensions: Record<string, unknown> = { code: DOMAIN_CODES[error.name] ?? 'BAD_REQUEST', type: error.name };
  if (error instanceof ValidationError) extensions['issues'] = error.issues;
  return new GraphQLError(error.message, { extensions });
}
