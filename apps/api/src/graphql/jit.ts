import { Kind, getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Executions of a document before it is compiled. */
const COMPILE_AFTER = 3;
/**
 * Fields, with every fragment spread expanded, above which a document is never compiled. graphql-jit
 * generates code per expanded field, on the event loop: about 45 ms for 1,100 fields here, and a
 * fragment chain of 25 levels (which the cost limits refuse anyway) would take 40 s. At 500 a
 * compilation blocks for about 20 ms, once per document; the SPA's documents stay well below.
 */
const MAX_COMPILED_FIELDS = 500;

/**
 * Compiled documents alive at once. Each holds generated code; yoga keeps up to a thousand parsed
 * documents, so without a bound a client sending many distinct documents three times each could
 * fill memory with code. Past the bound new documents stay interpreted until old ones are collected.
 */
const MAX_COMPILED_DOCUMENTS = 300;

/** Per document, per operation name: the runs so far, then the compiled query or null when it is not compiled. */
type Entry = { runs: number; compiled?: CompiledQuery | null };

/**
 * Queries and mutations that clients send again and again (the SPA's, an integrator's) run as
 * JavaScript compiled from the document by graphql-jit: resolvers are called directly instead of
 * through graphql-js' interpreter, several times less work on a members page of fifty.
 * - Compiling costs more than interpreting once, so a document is compiled on its COMPILE_AFTER-th
 *   execution only: a stream of one-off documents (an attacker's, R22) stays interpreted.
 * - A document of more than MAX_COMPILED_FIELDS expanded fields, one graphql-jit cannot compile,
 *   or any beyond MAX_COMPILED_DOCUMENTS alive stays interpreted, with the same answer as before.
 * - Subscriptions stay with graphql-js.
 * Documents are yoga's cached parse results, so the counts and the code live as long as they do.
 * Resolvers, scope-auth checks, error masking and the cost limits (which run first) are unchanged.
 */
export function compiledExecution(): Plugin {
  const entries = new WeakMap<DocumentNode, Map<string, Entry>>();
  let compiledAlive = 0;
  const collected = new FinalizationRegistry<null>(() => compiledAlive--);
  const entryOf = (args: ExecutionArgs): Entry => {
    let byOperation = entries.get(args.document);
    if (!byOperation) entries.set(args.document, (byOperation = new Map()));
    const name = args.operationName ?? '';
    let entry = byOperation.get(name);
    if (!entry) byOperation.set(name, (entry = { runs: 0 }));
    return entry;
  };
  return {
    onExecute({ args, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || operation.operation === 'subscription') return;
      const entry = entryOf(args);
      if (entry.compiled === undefined && ++entry.runs >= COMPILE_AFTER) {
        entry.compiled = null;
        if (compiledAlive < MAX_COMPILED_DOCUMENTS && expandedFields(args.document, operation.selectionSet) <= MAX_COMPILED_FIELDS) {
          const result = compileDocument(args.schema, args.document, args.operationName);
          if (result) {
            entry.compiled = result;
            compiledAlive++;
            collected.register(args.document, null);
          }
        }
      }
      const compiled = entry.compiled;
      if (compiled) setExecuteFn(async (a) => answerOf(compiled, await compiled.query(a.rootValue, a.contextValue, a.variableValues ?? {})));
    },
  };
}

/**
 * The document compiled with a serializer of its own result shape, else (graphql-jit builds those for
 * the built-in scalars only: a `DateTime` field refuses) with JSON.stringify; undefined when it does
 * not compile at all.
 */
export function compileDocument(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): CompiledQuery | undefined {
  for (const customJSONSerializer of [true, false]) {
    const result = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true, customJSONSerializer });
    if (isCompiledQuery(result)) return result;
  }
  return undefined;
}

/**
 * The result as graphql-js gives it, byte for byte once serialized: a result without errors carries
 * the document's compiled serializer (yoga uses a result's own `stringify`), one with errors lists
 * them first, as graphql-js does, and is serialized plainly.
 */
function answerOf(compiled: CompiledQuery, result: ExecutionResult): ExecutionResult & { stringify?: (value: unknown) => string } {
  if (!result.errors?.length) return Object.assign(result, { stringify: compiled.stringify });
  const { errors, data, extensions } = result;
  return extensions === undefined ? { errors, data } : { errors, data, extensions };
}

/**
 * The number of fields a selection set holds once every fragment is expanded, in time linear in the
 * document: each fragment's count is computed once. A cycle (refused by validation already) counts
 * as infinite.
 */
export function expandedFields(document: DocumentNode, selectionSet: SelectionSetNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const counted = new Map<string, number>();
  const count = (set: SelectionSetNode, visiting: Set<string>): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += 1 + (selection.selectionSet ? count(selection.selectionSet, visiting) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += count(selection.selectionSet, visiting);
      else {
        const name = selection.name.value;
        let known = counted.get(name);
        if (known === undefined) {
          const fragment = fragments.get(name);
          if (!fragment || visiting.has(name)) return Infinity;
          visiting.add(name);
          known = count(fragment.selectionSet, visiting);
          visiting.delete(name);
          counted.set(name, known);
        }
        total += known;
      }
    }
    return total;
  };
  return count(selectionSet, new Set());
}
