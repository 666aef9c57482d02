import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, emOf, type Orm } from './db/orm.ts';
import { loadSigningKeys } from './auth/keys.ts';
import { presetOf, type App } from './context.ts';
import { createGraphQLHandler } from './graphql/handler.ts';
import { syncBuiltinRoles } from './modules/roles/role.service.ts';
import { handleAuditExport } from './modules/audit/audit.export.ts';
import { createMailer } from './modules/mail/mailer.ts';

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export interface Server {
  app: App;
  http: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function createApp(config: Config, log?: Logger, orm?: Orm): Promise<App> {
  const logger = log ?? pino({ level: config.logLevel });
  const db = orm ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') }));
  const keys = await loadSigningKeys(config.jwt.privateKeyPem, config.dataDir);
  const app: App = { config, orm: db, keys, preset: presetOf(config), log: logger, mailer: createMailer(config, db, logger) };
  await syncBuiltinRoles(emOf(db), app.preset);
  return app;
}

export async function startServer(config: Config, options: { log?: Logger; orm?: Orm } = {}): Promise<Server> {
  const app = await createApp(config, options.log, options.orm);
  const yoga = createGraphQLHandler(app);
  const server = http.createServer(async (req, res) => {
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? crypto.randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      app.log.info({ requestId, method: req.method, url: req.url?.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/graphql') return void (await yoga.handle(req, res, { req, res }));
      if (url.pathname === '/.well-known/jwks.json') return json(res, 200, app.keys.jwks, 'public, max-age=300');
      if (url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') return void (await readiness(app, res));
      if (url.pathname === '/audit/export') return void (await handleAuditExport(app, req, res, url));
      return serveWeb(url.pathname, res);
    } catch (error) {
      app.log.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'Internal error', requestId });
      else res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    http: server,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      app.mailer.close();
      if (!options.orm) await app.orm.close();
    },
  };
}

async function readiness(app: App, res: http.ServerResponse) {
  try {
    await emOf(app.orm).execute('select 1');
    json(res, 200, { status: 'ready' });
  } catch {
    json(res, 503, { status: 'database unavailable' });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, cache = 'no-store') {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': cache });
  res.end(JSON.stringify(body));
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

/** The built SPA (apps/web/dist); unknown paths fall back to index.html for client-side routes. */
function serveWeb(pathname: string, res: http.ServerResponse) {
  const file = path.join(WEB_DIST, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
  const target = file.startsWith(WEB_DIST) && fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(target)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end('<!doctype html><title>Gatehouse</title><h1>Gatehouse</h1><p>The API is running at <a href="/graphql">/graphql</a>. Build the SPA with <code>pnpm build</code>.</p>');
  }
  const immutable = target.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    'content-type': MIME[path.extname(target)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  fs.createReadStream(target).pipe(res);
}
