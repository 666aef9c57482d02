import type { App } from '../../context.ts';
import { emOf } from '../../db/orm.ts';
import { rows, statement } from '../../db/sql.ts';
import { LIVE_CHANNEL, LiveHub } from './live.hub.ts';
import { isPglite, listenPglite, PgListener } from './live.listener.ts';

/** How often every open stream's session is checked even without an event (expiry, missed events). */
export const SESSION_RECHECK_MS = 60_000;
const RECHECK_BATCH = 1000;

export interface Live {
  hub: LiveHub;
  /** Ends every stream and stops listening: before the HTTP server closes, so no stream holds it open. */
  stop(): Promise<void>;
}

const running = new WeakMap<App, Live>();

/** The live access of the app's process, once startLive ran (startServer). */
export function liveOf(app: App): Live | undefined {
  return running.get(app);
}

/** Of the (user, session) pairs, those still allowed: account active, session family live; with their organizations. */
const stillLive = statement(
  'live_still_live',
  `select x.user_id::text as user_id, x.family_id::text as session_id,
          array(select m.org_id::text from membership m where m.user_id = x.user_id) as org_ids
     from unnest($1::uuid[], $2::uuid[]) as x(user_id, family_id)
    where exists (select 1 from "user" u where u.id = x.user_id and u.status = 'ACTIVE')
      and exists (select 1 from session s where s.family_id = x.family_id and s.user_id = x.user_id
                     and s.revoked_at is null and s.expires_at > now())`,
);

/**
 * R25 in this process: the hub of open streams, fed by LISTEN on the channel the audit_event_live
 * trigger notifies at commit: a session connection of its own on PostgreSQL (every replica hears
 * every change), PGlite's own listen on the embedded database.
 */
export async function startLive(app: App): Promise<Live> {
  const hub = new LiveHub();
  const dispatch = (event: Parameters<LiveHub['dispatch']>[0]) => hub.dispatch(event);
  const embedded = isPglite(app.orm);
  // DATABASE_LISTEN_URL, else the server's own database (DATABASE_URL, or the ORM's when a test passes one).
  const listenUrl = app.config.databaseListenUrl ?? (app.orm.config.get('clientUrl') as string | undefined);
  const listener = !embedded && listenUrl ? new PgListener(listenUrl, LIVE_CHANNEL, dispatch, () => resync(), app.log) : undefined;
  await listener?.start();
  const unlisten = embedded ? await listenPglite(app.orm, LIVE_CHANNEL, dispatch) : undefined;

  /** Ends the streams whose account or session is gone; refreshes the organizations of the others. */
  const recheck = async (userIds?: ReadonlySet<string>) => {
    const streams = hub.streams().filter((s) => !userIds || userIds.has(s.userId));
    for (let i = 0; i < streams.length; i += RECHECK_BATCH) {
      const batch = streams.slice(i, i + RECHECK_BATCH);
      const live = await rows<{ user_id: string; session_id: string; org_ids: string[] }>(emOf(app.orm), stillLive, [
        batch.map((s) => s.userId),
        batch.map((s) => s.sessionId),
      ]);
      const orgs = new Map(live.map((r) => [`${r.user_id}/${r.session_id}`, r.org_ids]));
      for (const stream of batch) {
        const orgIds = orgs.get(`${stream.userId}/${stream.sessionId}`);
        if (orgIds) stream.orgIds = new Set(orgIds);
        else stream.end();
      }
    }
  };
  const safely = (run: Promise<void>) => run.catch((error: unknown) => app.log.warn({ err: error }, 'live access re-check failed'));

  // A user's own event may be a revocation or a new membership: re-check their streams, a few at once.
  let due = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  hub.onUserEvent = (userId) => {
    due.add(userId);
    timer ??= setTimeout(() => {
      const users = due;
      due = new Set();
      timer = undefined;
      void safely(recheck(users));
    }, 50);
  };
  const resync = () => {
    hub.dispatch({ k: 'RESYNC', o: null, u: null });
    void safely(recheck());
  };
  const periodic = setInterval(() => void safely(recheck()), SESSION_RECHECK_MS);
  periodic.unref();

  const live: Live = {
    hub,
    async stop() {
      clearInterval(periodic);
      clearTimeout(timer);
      hub.close();
      await listener?.stop();
      await unlisten?.().catch(() => {});
      running.delete(app);
    },
  };
  running.set(app, live);
  return live;
}
