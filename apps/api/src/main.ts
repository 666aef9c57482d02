import pino from 'pino';
import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './server.ts';
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
const server = await startServer(config, { log });
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
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
