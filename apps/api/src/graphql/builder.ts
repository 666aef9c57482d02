import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import RelayPlugin from '@pothos/plugin-relay';
import ErrorsPlugin from '@pothos/plugin-errors';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { DateTimeResolver } from 'graphql-scalars';
import './input-gate.ts';
import { fieldComplexity } from './limits.ts';
import type { Context } from '../context.ts';
import { authScopes, unauthorizedError } from './auth-scopes.ts';

export interface AuthScopes {
  /** Signed in with a live session. */
  authenticated: boolean;
  /** Signed in and no pending forced password change (R7). */
  member: boolean;
  platformAdmin: boolean;
  /** `"<orgId>:<permission>"`: a string, so the plugin's per-request cache works. */
  orgPermission: string;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The builder holds no types: each lives in its own file under types/, queries/ or mutations/. */
export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  /** What a connection resolver may return besides its page: the count, computed only when selected. */
  Connection: { totalCount?: () => number | Promise<number> };
}>({
  // The input gate first, so every argument is bounded and checked before scopes load anything;
  // then relay, so authScopes functions receive parsed global IDs.
  plugins: ['inputGate', RelayPlugin, ScopeAuthPlugin, ErrorsPlugin, DataloaderPlugin, ComplexityPlugin],
  // Costs are declared here and checked before execution by graphql/limits.ts (with the request's variables).
  complexity: { fieldComplexity },
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes,
    unauthorizedError,
    treatErrorsAsUnauthorized: false,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: { nullable: true },
    nodesQueryOptions: { nullable: { list: false, items: true } },
  },
  errors: {
    defaultTypes: [],
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
});

builder.queryType({});
builder.mutationType({});
// R25: accessChanged, over server-sent events (graphql/subscriptions.ts).
builder.subscriptionType({});

// A maintained scalar: invalid values in variables or literals are validation errors, never a 500.
builder.addScalarType('DateTime', DateTimeResolver, {});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON (audit before/after snapshots).',
  serialize: (value) => value,
  parseValue: (value) => value,
});
