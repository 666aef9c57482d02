import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver, EntityManager } from '@mikro-orm/sql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { PgliteDriver } from '@mikro-orm/pglite';
import { Migrator } from '@mikro-orm/migrations';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { entities } from './entities.ts';
import { migrationsList } from './migrations/index.ts';
import { preparedNameOf } from './sql.ts';
import { attachReplicas, type ReplicaLog } from './replicas.ts';
import { installBoundParameters } from './bound-parameters.ts';

export type Em = EntityManager;
/** The ORM over one of the SQL drivers (PostgreSQL or PGlite): its EntityManager is the SQL one. */
export type Orm = MikroORM<AbstractSqlDriver>;

export interface DatabaseTarget {
  /** PostgreSQL URL, or undefined for the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** PGlite data directory; 'memory://' keeps it in memory (tests). */
  pgliteDir: string;
  /**
   * PostgreSQL URL of the schema owner, used only to apply migrations (then closed), so the server
   * itself can run as a role without DDL or UPDATE/DELETE on audit_event (docs/database-roles.md).
   */
  migrationUrl?: string | undefined;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /**
   * Prepare the hot paths' named statements once per connection (default true). Off behind a pooler
   * that cannot keep them (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
   */
  preparedStatements?: boolean;
  /** Most connections this process opens to PostgreSQL (DATABASE_POOL_MAX, default 10). */
  poolMax?: number;
  /** Streaming replicas for the reads where staleness is harmless (DATABASE_REPLICA_URLS; db/replicas.ts). */
  replicas?: { urls: string[]; maxLagSeconds: number; poolMax: number; log?: ReplicaLog };
}

type SqlOptions = Partial<Options<AbstractSqlDriver>>;

export function ormOptions(target: DatabaseTarget): SqlOptions {
  installBoundParameters();
  const common: SqlOptions = {
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    // Requests fork their own EntityManager; the global one must never be used by accident.
    allowGlobalContext: false,
    debug: false,
    onCreateConnection: async (connection) => {
      if (isObservable(connection)) observeConnection(connection);
    },
  };
  if (target.databaseUrl) {
    const driverOptions = target.preparedStatements === false ? {} : { onPoolCreated: prepareNamedStatements };
    return { ...common, driver: PostgreSqlDriver, clientUrl: target.databaseUrl, pool: { min: 0, max: target.poolMax ?? 10 }, driverOptions } as SqlOptions;
  }
  if (target.pgliteDir !== 'memory://') fs.mkdirSync(path.dirname(target.pgliteDir), { recursive: true });
  return {
    ...common,
    driver: PgliteDriver,
    dbName: target.pgliteDir,
    driverOptions: { extensions: { pg_trgm } },
  } as SqlOptions;
}

export async function openDatabase(target: DatabaseTarget): Promise<Orm> {
  const separate = target.migrate !== false && Boolean(target.migrationUrl && target.databaseUrl && target.migrationUrl !== target.databaseUrl);
  if (separate) {
    const owner = await MikroORM.init<AbstractSqlDriver>({ ...ormOptions({ ...target, databaseUrl: target.migrationUrl }), pool: { min: 0, max: 1 } });
    try {
      await owner.migrator.up();
    } finally {
      await owner.close();
    }
  }
  const orm = await MikroORM.init<AbstractSqlDriver>(ormOptions(target));
  if (target.migrate !== false && !separate) await orm.migrator.up();
  if (target.databaseUrl && target.replicas?.urls.length) await withReplicas(orm, target.replicas, target.preparedStatements !== false);
  return orm;
}

type StatementObserver = (sql: string) => void;
const observers = new Set<StatementObserver>();

/**
 * Calls `observer` with the text of every statement sent on any connection of this process, the
 * ORM's and db/sql.ts' alike (BEGIN and COMMIT included). For statement-count tests and the
 * benchmark; returns the function that stops observing.
 */
export function observeStatements(observer: StatementObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Tells the observers of a statement sent outside the ORM's connections (the export's callback reads). */
export function noteStatement(sql: string): void {
  for (const observer of observers) observer(sql);
}

interface ObservedConnection {
  executeQuery(query: { sql: string }, ...rest: unknown[]): Promise<unknown>;
}

/** The drivers hand their connection over untyped; ours run statements through `executeQuery`. */
function isObservable(connection: unknown): connection is ObservedConnection {
  return typeof connection === 'object' && connection !== null && typeof Reflect.get(connection, 'executeQuery') === 'function';
}

function observeConnection(connection: ObservedConnection) {
  const execute = connection.executeQuery.bind(connection);
  connection.executeQuery = (query, ...rest) => {
    noteStatement(query.sql);
    return execute(query, ...rest);
  };
}

interface PgClient {
  query: (...args: unknown[]) => unknown;
}

/**
 * Every new `pg` connection sends the statements registered with db/sql.ts `statement()` as named
 * ones: PostgreSQL parses and plans them once per connection, then only binds and executes.
 */
function prepareNamedStatements(pool: { on(event: 'connect', listener: (client: PgClient) => void): unknown }) {
  pool.on('connect', (client) => {
    const query = client.query.bind(client);
    client.query = (config: unknown, values?: unknown, callback?: unknown) => {
      const name = typeof config === 'string' && Array.isArray(values) ? preparedNameOf(config) : undefined;
      return name ? query({ name, text: config, values }, callback) : query(config, values, callback);
    };
  });
}

/** Any number over a fixed value: the key of the start-up lock (migrations and first-start bootstrap). */
export const STARTUP_LOCK_KEY = 7_347_201_161;

/**
 * Runs `fn` while holding the start-up lock, so replicas started together migrate and bootstrap one
 * after another. The lock is a transaction-level advisory lock held by an open transaction on a
 * dedicated connection (not from the pool), released by PostgreSQL if this process dies. It is
 * tried, not waited for: a replica that does not get it ends its transaction and tries again, so
 * behind PgBouncer in transaction mode the waiting replicas hold no server connection (waiting ones
 * would fill a small pool and starve the holder's migrations). PGlite is one process: nothing to lock.
 */
export async function withStartupLock<T>(databaseUrl: string | undefined, fn: () => Promise<T>, retryMs = 200): Promise<T> {
  if (!databaseUrl) return fn();
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'gatehouse-startup-lock' });
  await client.connect();
  try {
    for (;;) {
      await client.query('begin');
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [STARTUP_LOCK_KEY]);
      if (rows[0]?.locked) break;
      await client.query('rollback');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
    const result = await fn();
    await client.query('commit');
    return result;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts the read replicas of `orm`; closing the ORM closes them too. */
async function withReplicas(orm: Orm, settings: NonNullable<DatabaseTarget['replicas']>, preparedStatements: boolean) {
  const replicas = await attachReplicas(orm, { ...settings, preparedStatements }, settings.log);
  const close = orm.close.bind(orm);
  orm.close = async (force?: boolean) => {
    await replicas.close();
    return close(force);
  };
}

export function emOf(orm: Orm): Em {
  return orm.em.fork();
}
