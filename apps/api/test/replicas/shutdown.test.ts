// The graceful stop (apps/api/src/http/shutdown.ts) in one process, on both databases: what the
// server answers while draining, a request in flight when the listener closes, idle keep-alive
// connections, and the deadline. The SIGTERM drill with real processes is rolling-restart.test.ts.
import http from 'node:http';
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrainState, gracefulShutdown, type Drainable } from '../../src/http/shutdown.ts';
import { startTestServer, type TestServer } from '../harness.ts';

const log = pino({ level: 'silent' });

describe('draining server', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  it('answers /readyz 200, then 503 once draining, while still serving requests with Connection: close', async () => {
    expect((await fetch(`${ts.url}/readyz`)).status).toBe(200);
    const before = await raw(ts.url, '/healthz');
    expect(before.headers.connection).toBe('keep-alive');
    ts.server.drain.begin();
    const readyz = await raw(ts.url, '/readyz');
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.body)).toEqual({ status: 'draining' });
    const healthz = await raw(ts.url, '/healthz');
    expect(healthz.status).toBe(200);
    expect(healthz.headers.connection).toBe('close');
    const graphql = await fetch(`${ts.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await graphql.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

/** A plain server wired like server.ts (drain.mark on every request), with a slow route. */
async function slowServer(slowMs: number): Promise<Drainable & { url: string; released: () => boolean }> {
  const drain = new DrainState();
  let released = false;
  const server = http.createServer((req, res) => {
    drain.mark(res);
    const ms = req.url === '/slow' ? slowMs : 0;
    setTimeout(() => res.end('done'), ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    http: server,
    drain,
    released: () => released,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          released = true;
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

describe('gracefulShutdown', () => {
  it('serves through the drain period, then refuses new connections, finishes the request in flight and closes an idle keep-alive connection', async () => {
    const server = await slowServer(700);
    const idle = await openKeepAlive(server.url);
    const started = Date.now();
    const stopping = gracefulShutdown(server, { drainSeconds: 1, timeoutSeconds: 10, log, release: async () => undefined });
    // During the drain: served, with Connection: close.
    const during = await raw(server.url, '/');
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    // A slow request that is still running when the listener closes.
    const inFlight = raw(server.url, '/slow');
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await raw(server.url, '/').then(() => 'served', (e: NodeJS.ErrnoException) => e.code);
    expect(refused).toBe('ECONNREFUSED');
    expect((await inFlight).body).toBe('done');
    expect(await stopping).toBe('clean');
    expect(await idle.closed).toBe(true);
    expect(server.released()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('at the deadline cuts what is still running and reports a forced stop', async () => {
    const server = await slowServer(10_000);
    const hung = raw(server.url, '/slow').then(() => 'answered', (e: NodeJS.ErrnoException) => e.code ?? 'failed');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    expect(await gracefulShutdown(server, { drainSeconds: 0, timeoutSeconds: 1, log })).toBe('forced');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await hung).toBe('ECONNRESET');
  });
});

/** One request on its own connection, headers as sent (fetch hides Connection). */
function raw(url: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${path}`, { agent: new http.Agent({ keepAlive: true }) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** A keep-alive connection that answered one request and now sits idle; `closed` resolves when the server ends it. */
async function openKeepAlive(url: string): Promise<{ closed: Promise<boolean> }> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  return { closed: new Promise((resolve) => socket.once('close', () => resolve(true))) };
}
