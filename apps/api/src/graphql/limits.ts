import {
  GraphQLError,
  getNullableType,
  isListType,
  parse,
  validate,
  type ASTVisitor,
  type GraphQLField,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { MAX_LIST_ITEMS } from '@gatehouse/permissions';
import { presentable } from './error-text.ts';

/**
 * Bounded work per request (R22), in three steps that are each linear in the document's size:
 * 1. parsing stops after `maxTokens` tokens (graphql-js' own limit), so a huge document costs nothing;
 * 2. validation counts aliases and directives as written (fragments are not expanded here; the cost
 *    below accounts for every expansion);
 * 3. before execution, @pothos/plugin-complexity computes depth, breadth and cost with the request's
 *    real variables, memoizing each selection set, so a fragment spread twice is computed once.
 * The cost step runs at execution and not in validation because yoga caches validation results per
 * document: a variable-dependent verdict cached for one request would apply to the next.
 */
export const LIMITS = {
  maxTokens: 5000,
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 30,
  maxBreadth: 1000,
  maxComplexity: 25_000,
  /** Page size assumed when a connection's `first` is not given, and the most a page may hold. */
  defaultPage: 50,
  maxPage: 100,
  /** Assumed length of a plain list (roles of a member, memberships of a user). */
  listMultiplier: 10,
} as const;

/** Cost of one field: 1, times the page size of a connection or the length of a list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fieldComplexity(args: Record<string, unknown>, _ctx: unknown, field: GraphQLField<unknown, any>) {
  const page = args['first'] ?? args['last'];
  if (typeof page === 'number') return { field: 1, multiplier: Math.min(Math.max(page, 1), LIMITS.maxPage) };
  if (field.args.some((a) => a.name === 'first')) return { field: 1, multiplier: LIMITS.defaultPage };
  // A connection's edges are its page: the connection field already multiplied by the page size.
  // (An object, not a bare number: a bare number lets the plugin apply its own list multiplier.)
  if (field.name === 'edges') return { field: 1, multiplier: 1 };
  const ids = args['ids'];
  if (Array.isArray(ids)) return { field: 1, multiplier: Math.max(ids.length, 1) };
  return { field: 1, multiplier: isListType(getNullableType(field.type)) ? LIMITS.listMultiplier : 1 };
}

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

/** Aliases and directives as written in the document: one pass, no fragment expansion. */
function writtenCountsRule(context: ValidationContext): ASTVisitor {
  let aliases = 0;
  let directives = 0;
  return {
    Field(node) {
      if (node.alias && ++aliases === LIMITS.maxAliases + 1) {
        context.reportError(tooComplex(`The document uses more than ${LIMITS.maxAliases} aliases`));
      }
    },
    Directive() {
      if (++directives === LIMITS.maxDirectives + 1) {
        context.reportError(tooComplex(`The document uses more than ${LIMITS.maxDirectives} directives`));
      }
    },
  };
}

export function limitsPlugin(options: { hideSuggestions: boolean }): Plugin {
  return {
    onParse({ setParseFn }) {
      // graphql-js stops at the limit and answers GRAPHQL_PARSE_FAILED ("more than N tokens").
      setParseFn((source, options) => parse(source, { ...options, maxTokens: LIMITS.maxTokens }));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(writtenCountsRule);
    },
    onParams({ params, setResult }) {
      // A long list in the variables is refused as soon as the body is read: before parsing,
      // validation, authentication and graphql-js coercing every item of it.
      const longList = longListIn(params.variables, []);
      if (longList) {
        setResult({
          errors: [new GraphQLError(`Invalid input: ${longList.slice(0, 16).join('.')}: Use at most ${MAX_LIST_ITEMS} items, nested at most 16 levels`, { extensions: { code: 'BAD_USER_INPUT' } })],
        });
      }
    },
    onExecute({ args, setResultAndStopExecution }) {
      const errors = validate(args.schema, args.document, [
        createComplexityRule({
          context: {},
          variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
          operationName: args.operationName ?? null,
          maxComplexity: LIMITS.maxComplexity,
          maxDepth: LIMITS.maxDepth,
          maxBreadth: LIMITS.maxBreadth,
        }),
      ]);
      if (errors.length > 0) {
        setResultAndStopExecution({
          // Limit errors carry a code; the rest are arguments or variable values that do not fit their
          // type (a forged global ID, an unknown field). These results skip the masking plugin, so they
          // are made presentable here: never a hostile value echoed whole, never a schema hint.
          errors: errors.map((e) =>
            presentable(e.extensions?.['code'] ? tooComplex(e.message) : new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }), options.hideSuggestions),
          ),
        });
      }
    },
  };
}

/** The path of the first array longer than MAX_LIST_ITEMS (or nested deeper than any input) in raw variable values. */
function longListIn(value: unknown, path: string[]): string[] | undefined {
  if (path.length > 16) return path;
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS) return path;
    for (let i = 0; i < value.length; i++) {
      const found = longListIn(value[i], [...path, String(i)]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = longListIn(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
