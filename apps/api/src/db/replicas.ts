import pg from 'pg';
import type { Em, Orm } from './orm.ts';
import { preparedNameOf, rows, type Statement } from './sql.ts';

/**
 * Read replicas (DATABASE_REPLICA_URLS): PostgreSQL streaming replicas that serve the reads where
 * staleness is harmless — member lists and search, the audit log, the audit export. Everything else
 * stays on the primary: the principal and every permission check (R2), every write, everything inside
 * a transaction, and the reads of a request or session that has just written (read-your-writes).
 *
 * A read goes to a replica only when all of these hold, else to the primary:
 * - the request's EntityManager was allowed to (`allowReplicaReads`: GraphQL queries, not mutations,
 *   and the audit export), and it is not inside a transaction;
 * - a replica is up and known to have replayed every commit made on the primary more than
 *   `maxLagSeconds` ago (see `Monitor`);
 * - the statement does not fail there: a replica that errors is marked down until its next good poll
 *   and the statement runs again on the primary, so a replica going away costs no request.
 *
 * Gatehouse keeps its own `pg` pools for the replicas rather than MikroORM's `replicas` option:
 * MikroORM picks a read connection at random with no notion of lag or health, and its default
 * `preferReadReplicas: true` would send every read outside a transaction — the principal included —
 * to a replica.
 */
export interface ReplicaSettings {
  urls: string[];
  /** Longest staleness accepted, in seconds (DATABASE_REPLICA_MAX_LAG). */
  maxLagSeconds: number;
  /** Connections per replica (DATABASE_REPLICA_POOL_MAX). */
  poolMax: number;
  /** Send the hot paths' named statements (DATABASE_PREPARED_STATEMENTS). */
  preparedStatements: boolean;
}

/** Replica state changes (up, down, not a standby), for the server's log. */
export type ReplicaLog = (level: 'info' | 'warn', message: string, details: Record<string, unknown>) => void;

/** Where a statement was answered; observed by tests and the benchmark. */
export type ReadTarget = { replica: string } | 'primary';

interface ReplicaState {
  name: string;
  pool: pg.Pool;
  up: boolean;
  /** Wall-clock ms up to which every commit of the primary is known to be replayed here (0 = unknown). */
  freshAsOf: number;
  /** Seconds of staleness at the last poll, for logs and /readyz-style diagnostics. */
  lastLagSeconds: number | undefined;
}

interface Sample {
  at: number;
  lsn: bigint;
}

/** pg_lsn text "16/B374D848" as a number. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/**
 * The replicas of one process, with a monitor that polls every `pollMs`: it takes the primary's
 * current WAL position (`pg_current_wal_lsn()`), remembers it with the time, then asks each replica
 * how far it has replayed (`pg_last_wal_replay_lsn()`). A replica that has replayed the position the
 * primary had at time t holds every commit made before t, so its staleness is at most now − t. This
 * holds on an idle primary too, where "time since the last replayed transaction" would grow without
 * the replica being behind, and it catches a replica whose connection to the primary broke.
 */
export class ReadReplicas {
  readonly maxLagMs: number;
  readonly pollMs: number;
  private readonly replicas: ReplicaState[];
  private samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private next = 0;
  private closed = false;
  private readonly settings: ReplicaSettings;
  private readonly primaryLsn: () => Promise<string>;
  private readonly namedStatement: (text: string) => string | undefined;
  private readonly onChange: ReplicaLog;

  constructor(
    settings: ReplicaSettings,
    primaryLsn: () => Promise<string>,
    namedStatement: (text: string) => string | undefined,
    types: pg.CustomTypesConfig | undefined,
    onChange: ReplicaLog = () => {},
  ) {
    this.settings = settings;
    this.primaryLsn = primaryLsn;
    this.namedStatement = namedStatement;
    this.onChange = onChange;
    this.maxLagMs = settings.maxLagSeconds * 1000;
    // Several polls fit in the bound, so a healthy replica never ages out between two of them.
    this.pollMs = Math.max(100, Math.min(1000, Math.floor(this.maxLagMs / 3)));
    this.replicas = settings.urls.map((url, i) => {
      const pool = new pg.Pool({
        connectionString: url,
        max: settings.poolMax,
        min: 0,
        // A replica that does not answer is given up quickly: the primary answers instead.
        connectionTimeoutMillis: 2000,
        idleTimeoutMillis: 30_000,
        application_name: 'gatehouse-replica-read',
        ...(types ? { types } : {}),
      });
      // An idle connection dropped by a stopped replica must not take the process down.
      pool.on('error', () => {});
      return { name: `replica${i + 1}@${new URL(url).host}`, pool, up: false, freshAsOf: 0, lastLagSeconds: undefined };
    });
  }

  /** Polls once (so a healthy replica is usable as soon as the server listens), then every pollMs. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await Promise.all(this.replicas.map((r) => r.pool.end().catch(() => {})));
  }

  /** The state of each replica, for tests and diagnostics. */
  status(): { name: string; up: boolean; lagSeconds: number | undefined; usable: boolean }[] {
    const now = Date.now();
    return this.replicas.map((r) => ({ name: r.name, up: r.up, lagSeconds: r.lastLagSeconds, usable: this.usable(r, now) }));
  }

  private usable(r: ReplicaState, now: number): boolean {
    return r.up && r.freshAsOf > 0 && now - r.freshAsOf <= this.maxLagMs;
  }

  /** A usable replica, round-robin, or undefined when none is. */
  pick(): ReplicaState | undefined {
    const now = Date.now();
    for (let i = 0; i < this.replicas.length; i++) {
      const r = this.replicas[(this.next + i) % this.replicas.length]!;
      if (this.usable(r, now)) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return r;
      }
    }
    return undefined;
  }

  /** Runs a read on `replica`; a connection-level failure marks it down until its next good poll. */
  async query<T>(replica: ReplicaState, text: string, params: readonly unknown[]): Promise<T[]> {
    const name = this.settings.preparedStatements ? this.namedStatement(text) : undefined;
    try {
      const result = await replica.pool.query(name ? { name, text, values: [...params] } : { text, values: [...params] });
      return result.rows as T[];
    } catch (error) {
      if (isConnectionFailure(error)) this.markDown(replica, error);
      throw error;
    }
  }

  private markDown(r: ReplicaState, error: unknown) {
    if (r.up) this.onChange('warn', 'read replica down: reads go to the primary', { replica: r.name, error: (error as Error)?.message });
    r.up = false;
  }

  private poll(): Promise<void> {
    if (this.polling || this.closed) return this.polling ?? Promise.resolve();
    this.polling = this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const at = Date.now();
    try {
      this.samples.push({ at, lsn: parseLsn(await this.primaryLsn()) });
    } catch {
      // The primary did not answer: no new sample, so replicas age out of the bound by themselves.
    }
    // Samples older than the bound (plus one poll) can no longer make a replica usable.
    const horizon = Date.now() - this.maxLagMs - 2 * this.pollMs;
    while (this.samples.length > 1 && this.samples[1]!.at < horizon) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.pollReplica(r)));
  }

  private async pollReplica(r: ReplicaState): Promise<void> {
    try {
      const { rows } = await r.pool.query<{ recovery: boolean; lsn: string | null }>(
        'select pg_is_in_recovery() as recovery, pg_last_wal_replay_lsn()::text as lsn',
      );
      const state = rows[0];
      // A server that is not (or no longer) a standby is not a replica of this primary: never read there.
      if (!state?.recovery || !state.lsn) {
        if (r.up) this.onChange('warn', 'read replica is not in recovery: not used', { replica: r.name });
        r.up = false;
        return;
      }
      const replayed = parseLsn(state.lsn);
      let freshAsOf = 0;
      for (const s of this.samples) if (s.lsn <= replayed && s.at > freshAsOf) freshAsOf = s.at;
      if (!r.up) this.onChange('info', 'read replica up', { replica: r.name });
      r.up = true;
      r.freshAsOf = Math.max(r.freshAsOf, freshAsOf);
      r.lastLagSeconds = r.freshAsOf ? (Date.now() - r.freshAsOf) / 1000 : undefined;
    } catch (error) {
      this.markDown(r, error);
    }
  }
}

/** No SQLSTATE (socket errors, timeouts) or a connection/shutdown/resources class: the server, not the statement. */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return /^(08|57|53)/.test(code);
}

// ---- Per process: which Orm has which replicas, and who must read from the primary -----------------

const replicasOf = new WeakMap<object, ReadReplicas>();
/** EntityManagers of requests allowed to read from a replica. Any other EntityManager reads the primary. */
const allowed = new WeakSet<object>();
/** Principals (user or service-account ids) that wrote recently, until when (ms). */
const stickyUntil = new Map<string, number>();

/** The type parsers of the ORM's `pg` pool (its `options.types`), if the native client is one. */
function typeParsersOf(client: unknown): pg.CustomTypesConfig | undefined {
  const options: unknown = typeof client === 'object' && client !== null ? Reflect.get(client, 'options') : undefined;
  const types: unknown = typeof options === 'object' && options !== null ? Reflect.get(options, 'types') : undefined;
  return typeof types === 'object' && types !== null && typeof Reflect.get(types, 'getTypeParser') === 'function' ? (types as pg.CustomTypesConfig) : undefined;
}

/** Starts the replicas of `orm` (after its first poll) and registers them for its EntityManagers. */
export async function attachReplicas(orm: Orm, settings: ReplicaSettings, log?: ReplicaLog): Promise<ReadReplicas> {
  const driver = orm.em.getDriver();
  const primary: unknown = await driver.getConnection('write').getNativeClient();
  const replicas = new ReadReplicas(
    settings,
    async () => (await rows<{ lsn: string }>(orm.em.fork(), 'select pg_current_wal_lsn()::text as lsn'))[0]!.lsn,
    preparedNameOf,
    // The ORM's own type parsers (dates as strings...), so a row reads the same from either server.
    typeParsersOf(primary),
    log,
  );
  await replicas.start();
  replicasOf.set(driver, replicas);
  return replicas;
}

export function replicasOfOrm(orm: Orm): ReadReplicas | undefined {
  return replicasOf.get(orm.em.getDriver());
}

/** Lets the reads made with `em` (a request's EntityManager) go to a replica; see the module comment. */
export function allowReplicaReads(em: Em): void {
  allowed.add(em);
}

/**
 * Read-your-writes: the principal `key` reads from the primary for the replicas' lag bound (plus a
 * second) after a write, in this process. Across processes the response's cookie does the same
 * (see graphql/read-routing.ts).
 */
export function markWrote(orm: Orm, key: string): void {
  const replicas = replicasOfOrm(orm);
  if (!replicas) return;
  const now = Date.now();
  stickyUntil.set(key, now + stickyMs(replicas));
  // Forget expired entries now and then, so the map stays as small as the set of recent writers.
  if (stickyUntil.size > 10_000) for (const [k, until] of stickyUntil) if (until <= now) stickyUntil.delete(k);
}

export function wroteRecently(key: string): boolean {
  const until = stickyUntil.get(key);
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  stickyUntil.delete(key);
  return false;
}

/** How long after a write its author keeps reading the primary: a usable replica is at most this stale. */
export function stickyMs(replicas: ReadReplicas): number {
  return replicas.maxLagMs + 1000;
}

type Observer = (target: ReadTarget, sql: string) => void;
const observers = new Set<Observer>();

/** Tells `observer` where every `replicaRows` statement was answered; returns the function that stops it. */
export function observeReadTargets(observer: Observer): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

type Sql = Statement | string;

/**
 * Rows of a read where staleness is harmless, from a replica when the rules above allow it, else
 * from the primary exactly as db/sql.ts `rows` would (same statement, same bound parameters, same
 * exceptions). Use only for reads that decide nothing: never for authorization, never before a write.
 */
export async function replicaRows<T>(em: Em, sql: Sql, params: readonly unknown[] = []): Promise<T[]> {
  const text = typeof sql === 'string' ? sql : sql.text;
  const replicas = replicasOf.get(em.getDriver());
  const replica = replicas && allowed.has(em) && !em.isInTransaction() ? replicas.pick() : undefined;
  if (replicas && replica) {
    try {
      const found = await replicas.query<T>(replica, text, params);
      for (const observer of observers) observer({ replica: replica.name }, text);
      return found;
    } catch {
      // Down, cancelled by recovery, or anything else: the primary answers, or reports the error itself.
    }
  }
  const found = await rows<T>(em, sql, params);
  for (const observer of observers) observer('primary', text);
  return found;
}

/** The first row of `replicaRows`, or undefined. */
export async function replicaRow<T>(em: Em, sql: Sql, params: readonly unknown[] = []): Promise<T | undefined> {
  return (await replicaRows<T>(em, sql, params))[0];
}
