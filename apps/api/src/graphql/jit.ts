import { getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Executions of a document before it is compiled. */
const COMPILE_AFTER = 3;

/** Per document, per operation name: the runs so far, then the compiled query or null if it does not compile. */
type Entry = { runs: number; compiled?: CompiledQuery | null };

/**
 * Queries and mutations that clients send again and again (the SPA's, an integrator's) run as
 * JavaScript compiled from the document by graphql-jit: resolvers are called directly instead of
 * through graphql-js' interpreter, several times less work on a members page of fifty.
 * - Compiling costs more than interpreting once, so a document is compiled on its COMPILE_AFTER-th
 *   execution only: a stream of one-off documents (an attacker's, R22) stays interpreted.
 * - A document graphql-jit cannot compile stays interpreted, with the same answer as before.
 * - Subscriptions stay with graphql-js.
 * Documents are yoga's cached parse results, so the counts and the code live as long as they do.
 * Resolvers, scope-auth checks, error masking and the cost limits (which run first) are unchanged.
 */
export function compiledExecution(): Plugin {
  const entries = new WeakMap<DocumentNode, Map<string, Entry>>();
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
      if (getOperationAST(args.document, args.operationName)?.operation === 'subscription') return;
      const entry = entryOf(args);
      if (entry.compiled === undefined && ++entry.runs >= COMPILE_AFTER) {
        const result = compileQuery(args.schema, args.document, args.operationName ?? undefined, { disablingCapturingStackErrors: true });
        entry.compiled = isCompiledQuery(result) ? result : null;
      }
      const compiled = entry.compiled;
      if (compiled) setExecuteFn((a) => compiled.query(a.rootValue, a.contextValue, a.variableValues ?? {}));
    },
  };
}
