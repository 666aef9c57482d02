import fs from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { PgliteDriver } from '@mikro-orm/pglite';
import { Migrator } from '@mikro-orm/migrations';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { entities } from './entities.ts';
import { migrationsList } from './migrations/index.ts';

export type Em = EntityManager;
export type Orm = MikroORM;

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
}

export function ormOptions(target: DatabaseTarget): Partial<Options> {
  const common: Partial<Options> = {
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    // Requests fork their own EntityManager; the global one must never be used by accident.
    allowGlobalContext: false,
    debug: false,
  };
  if (target.databaseUrl) {
    return { ...common, driver: PostgreSqlDriver, clientUrl: target.databaseUrl, pool: { min: 0, max: 10 } };
  }
  if (target.pgliteDir !== 'memory://') fs.mkdirSync(path.dirname(target.pgliteDir), { recursive: true });
  return {
    ...common,
    driver: PgliteDriver,
    dbName: target.pgliteDir,
    driverOptions: { extensions: { pg_trgm } },
  } as Partial<Options>;
}

export async function openDatabase(target: DatabaseTarget): Promise<Orm> {
  const separate = target.migrate !== false && Boolean(target.migrationUrl && target.databaseUrl && target.migrationUrl !== target.databaseUrl);
  if (separate) {
    const owner = await MikroORM.init({ ...ormOptions({ ...target, databaseUrl: target.migrationUrl }), pool: { min: 0, max: 1 } });
    try {
      await owner.migrator.up();
    } finally {
      await owner.close();
    }
  }
  const orm = await MikroORM.init(ormOptions(target));
  if (target.migrate !== false && !separate) await orm.migrator.up();
  return orm;
}

export function emOf(orm: Orm): Em {
  return orm.em.fork() as unknown as Em;
}
