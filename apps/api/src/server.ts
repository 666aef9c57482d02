import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, emOf, type Orm } from './db/orm.ts';
import { loadSigningKeys } from './auth/keys.ts';
import { presetOf, type App } from './context.ts';
import { createGraphQLHandler, maskErrorFor } from './graphql/handler.ts';
import { directGraphQL } from './graphql/direct.ts';
import { syncBuiltinRoles } from './modules/roles/role.service.ts';
import { handleAuditExport } from './modules/audit/audit.export.ts';
import { handleTokenRequest } from './modules/service-accounts/oauth-token.ts';
import { startWebhookWorker } from './modules/webhooks/webhook.worker.ts';
import { startLive } from './modules/live/live.service.ts';
import { createMailer } from './modules/mail/mailer.ts';
import { declaredTooLarge, MAX_URL_BYTES, PayloadTooLargeError, readBody, refusePayload, RequestAbortedError } from './http/body.ts';
import { originAllowed } from './http/cors.ts';
import { GRAPHIQL_ASSETS, graphiqlAssets } from './http/graphiql.ts';
import { logPath } from './http/log-path.ts';
import { securityHeaders, setHeaders } from './http/security-headers.ts';
import { spaHandler } from './http/static.ts';
import { sendResponse } from './http/send-response.ts';
import { DrainState } from './http/shutdown.ts';

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export interface Server {
  app: App;
  http: http.Server;
  url: string;
  /** Set on SIGTERM (http/shutdown.ts): /readyz answers 503 and responses say Connection: close. */
  drain: DrainState;
  close(): Promise<void>;
}

export async function createApp(config: Config, log?: Logger, orm?: Orm): Promise<App> {
  const logger = log ?? pino({ level: config.logLevel });
  const db = orm ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite'), poolMax: config.databasePoolMax, preparedStatements: config.databasePreparedStatements, replicas: { ...config.databaseReplicas, log: (level, message, details) => logger[level](details, message) } }));
  const keys = await loadSigningKeys(config.jwt.privateKeyPem, config.dataDir, config.jwt.previousPublicKeysPem);
  const app: App = { config, orm: db, keys, preset: presetOf(config), log: logger, mailer: createMailer(config, db, logger) };
  await syncBuiltinRoles(emOf(db), app.preset);
  return app;
}

export async function startServer(config: Config, options: { log?: Logger; orm?: Orm } = {}): Promise<Server> {
  const app = await createApp(config, options.log, options.orm);
  // R24: every replica delivers webhooks from the shared outbox (modules/webhooks/webhook.worker.ts).
  const webhooks = config.webhooks.worker ? startWebhookWorker(app) : undefined;
  // R25: accessChanged streams, fed by PostgreSQL LISTEN/NOTIFY (modules/live).
  const live = await startLive(app);
  const yoga = createGraphQLHandler(app);
  const direct = config.graphqlDirect ? directGraphQL(yoga, config.corsOrigins, maskErrorFor(app)) : undefined;
  const baseHeaders = securityHeaders(config);
  const serveWeb = spaHandler(WEB_DIST);
  const serveGraphiQL = config.graphiql ? graphiqlAssets() : undefined;
  const limit = config.maxBodyBytes;
  const drain = new DrainState();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && /^[\w.:-]{1,128}$/.test(incomingId) ? incomingId : crypto.randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    setHeaders(res, baseHeaders);
    drain.mark(res);
    // The access log, when its level is on: never the query string, and secret-looking path segments
    // redacted (http/log-path.ts).
    if (app.log.isLevelEnabled('info')) {
      const started = performance.now();
      const loggedPath = logPath(req.url);
      res.on('finish', () => {
        app.log.info({ requestId, method: req.method, url: loggedPath, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
      });
    }
    try {
      if ((req.url?.length ?? 0) > MAX_URL_BYTES) return problem(res, 414, 'URI_TOO_LONG', `The request URL is longer than ${MAX_URL_BYTES} bytes`);
      if (declaredTooLarge(req, limit)) return refusePayload(req, res, limit);
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/graphql') return void (await graphql(req, res));
      if (serveGraphiQL && url.pathname.startsWith(GRAPHIQL_ASSETS)) return void (onlyGet(req, res) && serveGraphiQL(req, res));
      if (url.pathname === '/oauth/token') return void (await handleTokenRequest(app, req, res));
      if (url.pathname === '/.well-known/jwks.json') return json(res, 200, app.keys.jwks, 'public, max-age=300');
      if (url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') return drain.draining ? json(res, 503, { status: 'draining' }) : void (await readiness(app, res));
      if (url.pathname === '/audit/export') return void (await handleAuditExport(app, req, res, url));
      return void (onlyGet(req, res) && serveWeb(req, res));
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return refusePayload(req, res, limit);
      if (error instanceof RequestAbortedError) return void req.socket.destroy();
      app.log.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'Internal error', requestId });
      else res.destroy();
    }
  };

  /** POST bodies are read here, counted against MAX_BODY_BYTES, and handed to yoga in a Request. */
  const graphql = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.setHeader('cache-control', 'no-store');
    if (config.corsOrigins.length > 0) res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && origin !== undefined && !originAllowed(config.corsOrigins, origin)) {
      return problem(res, 403, 'ORIGIN_NOT_ALLOWED', 'This origin may not call the API from a browser');
    }
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return void (await yoga.handle(req, res, { req, res }));
    // The body is read (and bounded) here and handed to yoga as a Request. Not as `req.body`: yoga's
    // node adapter then calls Object.keys on it, one string per byte, 15 ms of CPU for 130 KB.
    const body = await readBody(req, limit);
    if (direct && (await direct(req, res, body))) return;
    const aborted = new AbortController();
    res.once('close', () => res.writableFinished || aborted.abort());
    const request = new yoga.fetchAPI.Request(`http://localhost${req.url ?? '/graphql'}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: new Uint8Array(body),
      signal: aborted.signal,
    });
    // An event stream (R25 accessChanged) ends when the server ends it: its connection is not kept
    // for reuse, or a closing server would wait out the keep-alive timeout before it could exit.
    if (req.headers.accept?.includes('text/event-stream')) res.once('finish', () => req.socket.end());
    await sendResponse(await yoga.fetch(request, { req, res }), res, req);
  };

  const server = http.createServer(handle);
  // `Expect: 100-continue` with a declared body over the limit is refused before the client sends it.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!declaredTooLarge(req, limit)) {
      res.writeContinue();
      return void handle(req, res);
    }
    setHeaders(res, baseHeaders);
    refusePayload(req, res, limit, true);
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    http: server,
    url: `http://127.0.0.1:${port}`,
    drain,
    close: async () => {
      // Streams never end by themselves: end them first, so they do not hold the close until the deadline.
      await live.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await webhooks?.stop();
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
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': cache });
  res.end(JSON.stringify(body));
}

function problem(res: http.ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: message, code }));
}

/** Static files answer GET and HEAD only. */
function onlyGet(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.setHeader('allow', 'GET, HEAD');
  problem(res, 405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
  return false;
}
