import { getOperationAST } from 'graphql';
import { stringifySetCookie } from 'cookie';
import type { Plugin } from 'graphql-yoga';
import type { App, Context } from '../context.ts';
import { allowReplicaReads, markWrote, replicasOfOrm, stickyMs, wroteRecently } from '../db/replicas.ts';

/** Set on the response to a mutation while read replicas are configured: its holder reads the primary. */
export const PRIMARY_COOKIE = 'gatehouse_primary';

/**
 * Which GraphQL operations may read from a replica (db/replicas.ts): queries only, and not those of
 * a principal that wrote within the replicas' lag bound — known in this process, or by the
 * `gatehouse_primary` cookie the mutation's response set, which the browser sends to whichever
 * replica of Gatehouse answers next. Mutations, and every read they make, use the primary. What a
 * query may read from a replica is decided by the call site (`replicaRows`); authorization never is.
 */
export function readRouting(app: App): Plugin<Context> {
  return {
    onExecute({ args }) {
      const replicas = replicasOfOrm(app.orm);
      if (!replicas) return;
      const ctx = args.contextValue;
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      const key = ctx.user?.id ?? ctx.serviceAccount?.id;
      if (operation === 'query' && !(key && wroteRecently(key)) && !ctx.meta.cookies[PRIMARY_COOKIE]) allowReplicaReads(ctx.em);
      if (operation !== 'mutation') return;
      return {
        onExecuteDone() {
          if (key) markWrote(app.orm, key);
          const secure = app.config.publicUrl.startsWith('https:');
          ctx.setCookie(stringifySetCookie({ name: PRIMARY_COOKIE, value: '1', maxAge: Math.ceil(stickyMs(replicas) / 1000), path: '/', httpOnly: true, sameSite: 'lax', secure }));
        },
      };
    },
  };
}
