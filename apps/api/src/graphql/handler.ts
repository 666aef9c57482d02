import type http from 'node:http';
import { createYoga, useErrorHandler, type Plugin } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, type FieldNode, type ValidationContext } from 'graphql';
import { emOf } from '../db/orm.ts';
import { authenticate, createContext, type App } from '../context.ts';
import { schema } from './schema.ts';
import { limitRules } from './limits.ts';
import { parseCookies } from '../auth/refresh-token.ts';
import { AuthError } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';

/** The GraphQL endpoint: yoga with the schema, error masking, limits and the per-request context. */
export function createGraphQLHandler(app: App) {
  return createYoga<{ req: http.IncomingMessage; res: http.ServerResponse }>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: app.config.graphiql ? { title: 'Gatehouse GraphiQL', credentials: 'same-origin' } : false,
    landingPage: false,
    logging: false,
    // Unexpected errors are masked; typed GraphQL errors (codes) pass through.
    maskedErrors: {
      maskError: (error, message) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof AuthError) {
          return new GraphQLError(original.message, { extensions: { code: original.code } });
        }
        if (error instanceof GraphQLError && !original) return error;
        if (original instanceof GraphQLError) return original;
        app.log.error({ err: original ?? error }, 'unexpected error');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    plugins: [
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      limitsPlugin(),
      introspectionGate(app.config.graphiql),
      useErrorHandler(() => {}),
    ],
    context: async ({ request, req, res }) => {
      const em = emOf(app.orm);
      const meta = {
        requestId: request.headers.get('x-request-id') ?? crypto.randomUUID(),
        ip: clientIp(req, app.config.trustProxy),
        userAgent: request.headers.get('user-agent') ?? undefined,
        cookies: parseCookies(request.headers.get('cookie')),
      };
      const principal = await authenticate(app, em, request.headers.get('authorization'));
      return createContext(app, em, meta, principal, (cookie) => res?.appendHeader('set-cookie', cookie));
    },
  });
}

function limitsPlugin(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      for (const rule of limitRules()) addValidationRule(rule);
    },
  };
}

/** Introspection only where GraphiQL is on (development by default). */
function introspectionGate(enabled: boolean): Plugin {
  return {
    onValidate({ addValidationRule }) {
      if (enabled) return;
      addValidationRule((context: ValidationContext) => ({
        Field(node: FieldNode) {
          if (node.name.value === '__schema' || node.name.value === '__type') {
            context.reportError(new GraphQLError('Introspection is disabled', { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED' } }));
          }
        },
      }));
    },
  };
}
