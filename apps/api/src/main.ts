// Gatehouse's process: `node apps/api/src/main.ts` serves; `node apps/api/src/main.ts migrate` applies
// migrations and the first-start bootstrap, then exits (a Kubernetes Job runs it once per release).
import path from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig } from './config.ts';
import { createApp, startServer, type Server } from './server.ts';
import { openDatabase, withStartupLock, type Orm } from './db/orm.ts';
import { bootstrapIfEmpty } from './bootstrap.ts';
import { gracefulShutdown } from './http/shutdown.ts';

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
})();

const log = pino({ level: config.logLevel });
const migrateOnly = process.argv[2] === 'migrate';
if (process.argv[2] !== undefined && !migrateOnly) {
  console.error(`Unknown command "${process.argv[2]}" (expected nothing, or "migrate")`);
  process.exit(64); // EX_USAGE
}
// Migrations run as MIGRATION_DATABASE_URL when set (the schema owner), the server as DATABASE_URL;
// GATEHOUSE_MIGRATE=false skips them (a restricted role that may not change the schema, or pods
// whose migrations a Job applied).
const migrate = config.migrate || migrateOnly;
if (!migrate) log.info('GATEHOUSE_MIGRATE=false: not applying migrations');
const openOrm = () =>
  openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: path.join(config.dataDir, 'pglite'),
    migrationUrl: config.migrationDatabaseUrl,
    migrate,
    poolMax: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
    // Read replicas (db/replicas.ts) serve the server's lists; `migrate` has no use for them.
    replicas: migrateOnly ? undefined : { ...config.databaseReplicas, log: (level, message, details) => log[level](details, message) },
  });

// Replicas started together take turns here (a PostgreSQL advisory lock): migrations, the built-in
// role sync and the first-start bootstrap run in one replica at a time, so the first one creates the
// schema and the platform admin and the others find them.
let orm: Orm | undefined;
let server: Server | undefined;
const created = await withStartupLock(config.databaseUrl, async () => {
  orm = await openOrm();
  if (migrateOnly) {
    const app = await createApp(config, log, orm);
    try {
      return await bootstrapIfEmpty(app, config, log);
    } finally {
      app.mailer.close();
    }
  }
  server = await startServer(config, { log, orm });
  return bootstrapIfEmpty(server.app, config, log);
});
if (created) {
  // Printed once, to the terminal only: the admin must change it at first sign-in.
  process.stdout.write(
    (migrateOnly ? `\n  Gatehouse's database is ready (${config.publicUrl})\n` : `\n  Gatehouse is ready at ${config.publicUrl}\n`) +
      `  Platform admin: ${created.email}\n` +
      `  One-time password: ${created.password}\n` +
      `  (you will be asked to change it when you first sign in)\n\n`,
  );
}
if (migrateOnly || !server) {
  await orm!.close();
  log.info('migrations and bootstrap done');
  process.exit(0);
}
const database = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
log.info({ url: config.publicUrl, database, preset: config.preset, poolMax: config.databasePoolMax }, 'Gatehouse is running');

const running = server;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C means "now"; a repeated SIGTERM changes nothing.
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const { drainSeconds, timeoutSeconds } = config.shutdown;
    // Last resort, should closing the pool itself hang: a little after the deadline.
    setTimeout(() => process.exit(1), timeoutSeconds * 1000 + 2000).unref();
    gracefulShutdown(running, { drainSeconds, timeoutSeconds, log, release: () => orm!.close() }).then(
      (outcome) => process.exit(outcome === 'clean' ? 0 : 1),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
