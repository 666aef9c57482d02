// Gatehouse as the benchmark runs it: apps/api's own startServer in a process of its own, configured
// from the environment like apps/api/src/main.ts (DATABASE_URL, or the embedded PGlite database in
// GATEHOUSE_DATA_DIR/pglite), plus a statement counter the parent reads over IPC (scripts/bench/ipc.ts).
//
// Counting: on PostgreSQL every query that reaches the `pg` driver MikroORM uses (its Client.query,
// so BEGIN/COMMIT and anything outside the ORM's execute count too); on PGlite, MikroORM's
// connections, through db/orm.ts' statement observer. Nothing in apps/ is changed.
import path from 'node:path';
import { createRequire } from 'node:module';
import { loadConfig } from '../../apps/api/src/config.ts';
import { startServer } from '../../apps/api/src/server.ts';
import { observeStatements, openDatabase } from '../../apps/api/src/db/orm.ts';
import { ROOT } from './deps.ts';
import { serveIpc, type Statement } from './ipc.ts';

const counter: { statements: number; capture: Statement[] | undefined } = { statements: 0, capture: undefined };
const record = (text: unknown, values: unknown) => {
  counter.statements += 1;
  if (counter.capture && counter.capture.length < 1000) counter.capture.push({ text: String(text), ...(Array.isArray(values) ? { values } : {}) });
};

const config = loadConfig();
if (config.databaseUrl) {
  // The `pg` that @mikro-orm/postgresql loads (pnpm gives each package its own resolution).
  const fromApi = createRequire(path.join(ROOT, 'apps/api/package.json'));
  const fromDriver = createRequire(fromApi.resolve('@mikro-orm/postgresql'));
  const pgModule = fromDriver('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  const original = pgModule.Client.prototype.query;
  pgModule.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args;
    if (typeof first === 'string') record(first, second);
    else if (first && typeof (first as { text?: unknown }).text === 'string') record((first as { text: string }).text, (first as { values?: unknown }).values ?? second);
    return original.apply(this, args);
  };
}

const orm = await openDatabase({
  databaseUrl: config.databaseUrl,
  pgliteDir: path.join(config.dataDir, 'pglite'),
  migrate: config.migrate,
  // DATABASE_REPLICA_URLS (bench --replica): the lists go to the replica as in apps/api/src/main.ts.
  ...(config.databaseReplicas.urls.length ? { replicas: { ...config.databaseReplicas, log: (level, message, details) => console.error(level, message, JSON.stringify(details)) } } : {}),
});
if (!config.databaseUrl) {
  // PGlite: the statements the app sends through its connections (db/orm.ts' observer, BEGIN and COMMIT included).
  observeStatements((text) => record(text, undefined));
}

const server = await startServer(config, { orm });
const stop = async () => {
  await server.close().catch(() => {});
  await orm.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
serveIpc({ url: server.url }, counter);
if (!process.send) console.log(`Gatehouse (bench) listening on ${server.url}`);
