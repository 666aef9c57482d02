import pg from 'pg';
import type { Logger } from 'pino';
import { PgliteConnection } from '@mikro-orm/pglite';
import type { Orm } from '../../db/orm.ts';
import { ACCESS_CHANGE_KINDS, type AccessChangeKind, type LiveEvent } from './live.hub.ts';
import { isUuid } from '../../ids.ts';

const KINDS: ReadonlySet<string> = new Set(ACCESS_CHANGE_KINDS);
const BACKOFF_MS = { first: 250, max: 10_000 };

/** A NOTIFY payload, checked: anything else on the channel is ignored. */
export function parseLiveEvent(payload: string | undefined): LiveEvent | undefined {
  if (!payload || payload.length > 1000) return undefined;
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    const o = value['o'] ?? null;
    const u = value['u'] ?? null;
    if (typeof value['k'] !== 'string' || !KINDS.has(value['k'])) return undefined;
    if ((o !== null && !isUuid(o)) || (u !== null && !isUuid(u))) return undefined;
    return { k: value['k'] as AccessChangeKind, o, u };
  } catch {
    return undefined;
  }
}

/**
 * One session connection per process, `LISTEN` on the channel (R25 across replicas). LISTEN needs a
 * session, so behind PgBouncer in transaction mode this must be a direct URL (DATABASE_LISTEN_URL).
 * A lost connection is opened again with backoff; `onResync` then tells every stream that events
 * may have been missed meanwhile.
 */
export class PgListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #backoff = BACKOFF_MS.first;
  #lost = false;

  readonly url: string;
  readonly channel: string;
  readonly onEvent: (event: LiveEvent) => void;
  readonly onResync: () => void;
  readonly log: Logger;

  constructor(url: string, channel: string, onEvent: (event: LiveEvent) => void, onResync: () => void, log: Logger) {
    this.url = url;
    this.channel = channel;
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.log = log;
  }

  /** Resolves once listening (or after the first failure, which is retried in the background). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'gatehouse-live-listener', keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      const event = parseLiveEvent(message.payload);
      if (event) this.onEvent(event);
    });
    client.on('error', (error) => this.#lose(client, error));
    client.on('end', () => this.#lose(client));
    try {
      await client.connect();
      await client.query(`listen ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      this.#lose(client, error);
      return;
    }
    if (this.#stopped) return void client.end().catch(() => {});
    this.#client = client;
    this.#backoff = BACKOFF_MS.first;
    if (this.#lost) {
      this.#lost = false;
      this.log.info('live access listener reconnected');
      this.onResync();
    }
  }

  #lose(client: pg.Client, error?: unknown) {
    if (this.#stopped || (this.#client !== undefined && this.#client !== client) || this.#retry) return;
    this.#client = undefined;
    this.#lost = true;
    client.end().catch(() => {});
    this.log.warn({ err: error, retryMs: this.#backoff }, 'live access listener lost its connection');
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, this.#backoff);
    this.#retry.unref();
    this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MS.max);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}

/**
 * The embedded database (one process): PGlite delivers the trigger's NOTIFY to its own LISTEN after
 * the commit, like PostgreSQL. Answers the function that stops listening.
 */
export async function listenPglite(orm: Orm, channel: string, onEvent: (event: LiveEvent) => void): Promise<() => Promise<void>> {
  const connection = orm.em.getConnection();
  if (!(connection instanceof PgliteConnection)) throw new Error('listenPglite needs the embedded database');
  const pglite = await connection.getNativeClient();
  return pglite.listen(channel, (payload) => {
    const event = parseLiveEvent(payload);
    if (event) onEvent(event);
  });
}

/** Whether the ORM runs on the embedded database. */
export function isPglite(orm: Orm): boolean {
  return orm.em.getConnection() instanceof PgliteConnection;
}
