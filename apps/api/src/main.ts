import path from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './server.ts';
import { openDatabase } from './db/orm.ts';
import { bootstrapIfEmpty } from './bootstrap.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const log = pino({ level: config.logLevel });
// Migrations run as MIGRATION_DATABASE_URL when set (the schema owner), the server as DATABASE_URL;
// GATEHOUSE_MIGRATE=false skips them (a restricted role that may not change the schema).
if (!config.migrate) log.info('GATEHOUSE_MIGRATE=false: not applying migrations');
const orm = await openDatabase({
  databaseUrl: config.databaseUrl,
  pgliteDir: path.join(config.dataDir, 'pglite'),
  migrationUrl: config.migrationDatabaseUrl,
  migrate: config.migrate,
});
const server = await startServer(config, { log, orm });
const created = await bootstrapIfEmpty(server.app, config, log);
const database = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
log.info({ url: config.publicUrl, database, preset: config.preset }, 'Gatehouse is running');
if (created) {
  // Printed once, to the terminal only: the admin must change it at first sign-in.
  process.stdout.write(
    `\n  Gatehouse is ready at ${config.publicUrl}\n` +
      `  Platform admin: ${created.email}\n` +
      `  One-time password: ${created.password}\n` +
      `  (you will be asked to change it when you first sign in)\n\n`,
  );
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(() => orm.close()).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
