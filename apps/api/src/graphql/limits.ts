import {
  GraphQLError,
  getNullableType,
  isListType,
  parse,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type GraphQLField,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { MAX_LIST_ITEMS, TEXT_LIMITS } from '@gatehouse/permissions';
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
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: LIMITS.maxTokens });
        } catch (error) {
          // graphql-js parses recursively: within the token limit, braces nested a thousand deep
          // can still exhaust the stack, depending on how deep the caller already is.
          if (error instanceof RangeError) throw new GraphQLError('Syntax Error: the document is nested too deeply', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(writtenCountsRule);
    },
    onParams({ params, setResult }) {
      // A value no argument accepts (a long list or string) is refused as soon as the body is read:
      // before parsing, validation, authentication and graphql-js coercing it.
      const oversize = oversizeIn(params.variables, []);
      if (oversize) {
        const at = oversize.path.slice(0, MAX_NESTING).map((p) => p.slice(0, 64)).join('.');
        setResult({ errors: [new GraphQLError(`Invalid input: ${at}: ${oversize.message}`, { extensions: { code: 'BAD_USER_INPUT' } })] });
      }
    },
    onExecute({ args, setResultAndStopExecution }) {
      const errors = costErrors(args.schema, args.document, args.operationName ?? null, (args.variableValues ?? {}) as Record<string, unknown>);
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

/**
 * Passing verdicts per parsed document (yoga's parse cache hands the same DocumentNode to every
 * request with the same text), then per operation name and the variables' shape: numbers, booleans
 * and list lengths decide the cost (page sizes, @include, ids), string values never do, so they are
 * left out of the key and no input (a password, say) is kept in memory. A refusal is never reused:
 * it may name another request's input. Bounded per document.
 */
const passed = new WeakMap<DocumentNode, Set<string>>();
const PASSED_PER_DOCUMENT = 64;
const costShape = (_key: string, value: unknown) => (typeof value === 'string' ? '' : value);

function costErrors(schema: GraphQLSchema, document: DocumentNode, operationName: string | null, variableValues: Record<string, unknown>): readonly GraphQLError[] {
  let shapes = passed.get(document);
  if (!shapes) passed.set(document, (shapes = new Set()));
  const key = `${operationName ?? ''}\u0000${JSON.stringify(variableValues, costShape)}`;
  if (shapes.has(key)) return [];
  const errors = validate(schema, document, [
    createComplexityRule({
      context: {},
      variableValues,
      operationName,
      maxComplexity: LIMITS.maxComplexity,
      maxDepth: LIMITS.maxDepth,
      maxBreadth: LIMITS.maxBreadth,
    }),
  ]);
  if (errors.length === 0 && key.length <= 1024) {
    if (shapes.size >= PASSED_PER_DOCUMENT) shapes.delete(shapes.values().next().value!);
    shapes.add(key);
  }
  return errors;
}

/** No text argument takes more than this; anything longer is refused before graphql-js sees it. */
const LONGEST_TEXT = Math.max(...Object.values(TEXT_LIMITS));
const MAX_NESTING = 16;

/**
 * The first value in raw variables that no argument could accept whatever its type: a list longer
 * than MAX_LIST_ITEMS, a string longer than the longest text limit, or nesting deeper than any input.
 */
function oversizeIn(value: unknown, path: string[]): { path: string[]; message: string } | undefined {
  if (path.length > MAX_NESTING) return { path, message: `Nest at most ${MAX_NESTING} levels` };
  if (typeof value === 'string') {
    return value.length > LONGEST_TEXT ? { path, message: `Longer than any argument accepts (at most ${LONGEST_TEXT} characters)` } : undefined;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS) return { path, message: `Use at most ${MAX_LIST_ITEMS} items` };
    for (let i = 0; i < value.length; i++) {
      const found = oversizeIn(value[i], [...path, String(i)]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = oversizeIn(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
