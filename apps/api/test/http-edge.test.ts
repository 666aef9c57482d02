// The HTTP edge, through real servers over real sockets: request body and URL limits, CORS, the
// browser security headers, static files and traversal, GraphiQL without a CDN, and secrets in
// links kept out of paths, queries and the request log.
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createTestDb, createUser, gid, roleGid, signIn, startTestServer, type TestDb, type TestServer } from './harness.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { startServer, type Server } from '../src/server.ts';
import { PayloadTooLargeError, readBody } from '../src/http/body.ts';
import { secretLink } from '../src/http/links.ts';
import { logPath } from '../src/http/log-path.ts';
import { spaHandler } from '../src/http/static.ts';
import { invitationLink } from '../src/modules/invitations/invitation.mail.ts';

const LIMIT = 4096;
const APP_ORIGIN = 'https://app.example.com';
const PUBLIC_URL = 'https://gatehouse.test';

// ---------------------------------------------------------------- servers

/** Main server: small body limit, a CORS allow-list, https public URL, and a request log we can read. */
let main: { server: Server; url: string; db: TestDb; dataDir: string; logs: string[]; ts: TestServer };
/** Production defaults: no CORS list, http public URL, 256 KB limit, GraphiQL off. */
let prod: TestServer;

beforeAll(async () => {
  const db = await createTestDb();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-edge-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: dataDir,
    MAX_BODY_BYTES: String(LIMIT),
    CORS_ORIGINS: `${APP_ORIGIN}, https://admin.example.com`,
    PUBLIC_URL,
  });
  const server = await startServer(config, { log: pino({ level: 'info' }, sink), orm: db.orm });
  // The harness's helpers (createOrg, signIn, …) only need these members.
  const gql = async (query: string, variables?: Record<string, unknown>, token?: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  };
  const ts = { server, url: server.url, orm: db.orm, config, gql, close: async () => {} } as TestServer;
  main = { server, url: server.url, db, dataDir, logs, ts };
  prod = await startTestServer({ NODE_ENV: 'production' });
}, 60_000);

afterAll(async () => {
  await main?.server.close();
  await main?.db.drop();
  if (main) fs.rmSync(main.dataDir, { recursive: true, force: true });
  await prod?.close();
});

const gqlBody = (query: string) => JSON.stringify({ query });

async function healthy(url: string) {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gqlBody('{ __typename }') });
  expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
}

interface RawReply {
  head: string;
  status: number;
  body: string;
}

/**
 * Speaks HTTP/1.1 over a plain socket: writes `head`, then `body` chunks until the server answers
 * or closes; resolves with what came back. Write errors after the answer (the server cut the
 * upload) are expected and ignored.
 */
function raw(url: string, head: string, body?: { chunk: Buffer; count: number; chunked: boolean }): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    let stopped = false;
    socket.on('data', (d) => {
      received += d.toString('latin1');
      stopped = true;
    });
    socket.on('error', () => {});
    // The first response only (after a refused upload Node may add a 400 for the cut-off rest).
    const finish = () => {
      const [headPart = '', ...rest] = received.split('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(headPart)?.[1];
      const body = rest.join('\r\n\r\n');
      resolve({ head: headPart, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headPart)?.[1] ?? 0), body: length ? body.slice(0, Number(length)) : body });
    };
    socket.on('close', finish);
    socket.write(head);
    if (!body) return;
    let sent = 0;
    const pump = () => {
      while (!stopped && !socket.destroyed && sent < body.count) {
        sent += 1;
        if (body.chunked) socket.write(`${body.chunk.length.toString(16)}\r\n`);
        let ok = socket.write(body.chunk);
        if (body.chunked) ok = socket.write('\r\n');
        if (!ok) return void socket.once('drain', pump);
      }
      if (!stopped && !socket.destroyed && body.chunked) socket.write('0\r\n\r\n');
    };
    pump();
    // A reply ends the exchange from our side too.
    const timer = setInterval(() => {
      if (stopped && received.includes('\r\n\r\n')) {
        clearInterval(timer);
        setTimeout(() => socket.end(), 50);
      }
    }, 10);
    socket.on('close', () => clearInterval(timer));
  });
}

// ---------------------------------------------------------------- request body limit

describe('request body limit (MAX_BODY_BYTES, R22)', () => {
  it('a body over the limit with an honest Content-Length is answered 413 with a small JSON error; the server stays healthy', async () => {
    const res = await fetch(`${main.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: gqlBody(`{ __typename ${' '.repeat(LIMIT)} }`),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await res.json();
    expect(body).toEqual({ error: 'Payload too large', code: 'PAYLOAD_TOO_LARGE', limitBytes: LIMIT });
    await healthy(main.url);
  });

  it('a chunked body without Content-Length is counted while read: 413 long before it ends, then the connection is cut', async () => {
    const started = performance.now();
    const reply = await raw(
      main.url,
      'POST /graphql HTTP/1.1\r\nHost: gatehouse.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      // 64 MiB offered; the server stops reading after LIMIT plus a bounded discard.
      { chunk: Buffer.alloc(64 * 1024, 0x20), count: 1024, chunked: true },
    );
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).code).toBe('PAYLOAD_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(5000);
    await healthy(main.url);
  });

  it('a Content-Length that understates the body lets no more than it declares through; the rest is not a request body', async () => {
    const declared = 40;
    const reply = await raw(main.url, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`, {
      chunk: Buffer.alloc(64 * 1024, 0x7b),
      count: 16,
      chunked: false,
    });
    // yoga saw exactly the declared 40 bytes (not JSON): 400; never a 500.
    expect(reply.status).toBe(400);
    await healthy(main.url);
  });

  it('a declared Content-Length over the limit is refused before a byte is read, also with Expect: 100-continue', async () => {
    const direct = await raw(main.url, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`);
    expect(direct.status).toBe(413);
    const expecting = await raw(
      main.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(expecting.head).not.toContain('100 Continue');
    expect(expecting.status).toBe(413);
    expect(expecting.head.toLowerCase()).toContain('connection: close');
    // Other paths refuse a declared oversized body too, without reading it.
    expect((await raw(main.url, `POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`)).status).toBe(413);
    await healthy(main.url);
  });

  it('a client that disconnects in the middle of its body is dropped quietly: no error logged, server healthy', async () => {
    main.logs.length = 0;
    const { hostname, port } = new URL(main.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3000\r\n\r\n${'{'.repeat(1000)}`);
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 100));
    await healthy(main.url);
    expect(main.logs.filter((l) => /"level":50/.test(l))).toEqual([]);
  });

  it('a body just under the limit is served, with or without Content-Length', async () => {
    const query = `{ __typename ${' '.repeat(LIMIT - 60)} }`;
    const honest = await fetch(`${main.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gqlBody(query) });
    expect(await honest.json()).toEqual({ data: { __typename: 'Query' } });
    const bytes = new TextEncoder().encode(gqlBody(query));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    const chunked = await fetch(`${main.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(await chunked.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('readBody never holds more than the limit: it stops pulling from the stream once the count passes it', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled += 1024;
        yield Buffer.alloc(1024);
      }
    }
    const req = Object.assign(Readable.from(endless(), { objectMode: false, highWaterMark: 1024 }), { headers: {} }) as unknown as http.IncomingMessage;
    await expect(readBody(req, LIMIT)).rejects.toBeInstanceOf(PayloadTooLargeError);
    const atRefusal = pulled;
    await new Promise((r) => setTimeout(r, 50));
    // Paused: nothing more is pulled, and what was pulled is the limit plus the stream's own small buffer.
    expect(pulled).toBe(atRefusal);
    expect(pulled).toBeLessThanOrEqual(LIMIT + 4 * 1024);
    // A declared Content-Length over the limit is refused before anything is read.
    pulled = 0;
    const declared = Object.assign(Readable.from(endless(), { objectMode: false }), { headers: { 'content-length': String(LIMIT + 1) } }) as unknown as http.IncomingMessage;
    await expect(readBody(declared, LIMIT)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(pulled).toBe(0);
  });

  it('the default limit is 256 KB (production defaults): 300 KB is refused, 200 KB is read', async () => {
    expect(prod.config.maxBodyBytes).toBe(262_144);
    const big = await fetch(`${prod.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gqlBody(`{ __typename ${' '.repeat(300_000)} }`) });
    expect(big.status).toBe(413);
    const fine = await fetch(`${prod.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gqlBody(`{ __typename ${' '.repeat(200_000)} }`) });
    expect(await fine.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('MAX_BODY_BYTES is validated', () => {
    expect(() => loadConfig({ MAX_BODY_BYTES: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_BODY_BYTES: '10' })).toThrow(/MAX_BODY_BYTES/);
    expect(loadConfig({ MAX_BODY_BYTES: '1048576' }).maxBodyBytes).toBe(1_048_576);
  });
});

describe('request URL limit', () => {
  it('a 1 MB query string on GET /graphql is refused by Node with 431, and the server stays healthy', async () => {
    const reply = await raw(main.url, `GET /graphql?query=${'a'.repeat(1024 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(reply.status).toBe(431);
    await healthy(main.url);
  });

  it('a URL over 8 KB (under Node\'s header limit) is answered 414, not 500', async () => {
    const res = await fetch(`${main.url}/graphql?query=${encodeURIComponent(`{ __typename ${' '.repeat(9000)} }`).slice(0, 12_000)}`);
    expect(res.status).toBe(414);
    expect((await res.json()).code).toBe('URI_TOO_LONG');
    await healthy(main.url);
  });
});

// ---------------------------------------------------------------- CORS

describe('CORS (CORS_ORIGINS)', () => {
  const post = (url: string, origin: string) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: gqlBody('{ __typename }') });
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });

  it('an allowed origin gets exactly itself back, with credentials and Vary: Origin', async () => {
    const res = await post(main.url, APP_ORIGIN);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary')).toMatch(/Origin/);
    expect((await post(main.url, 'https://admin.example.com')).headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
  });

  it('a foreign origin, a look-alike, "null" and no origin get no CORS headers at all (never reflected, never *)', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      const res = await post(main.url, origin);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(res.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
    const none = await fetch(`${main.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gqlBody('{ __typename }') });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with no CORS_ORIGINS (default: same origin only) yoga\'s reflection is off', async () => {
    const res = await post(prod.url, 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight(prod.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a preflight from an allowed origin is answered 204 with methods, headers and max-age; from any other origin 403 without CORS headers', async () => {
    const ok = await preflight(main.url, APP_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(ok.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(ok.headers.get('access-control-max-age')).toBe('600');
    for (const origin of ['https://evil.example', 'null']) {
      const refused = await preflight(main.url, origin);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect(refused.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('CORS_ORIGINS accepts exact origins only', () => {
    for (const bad of ['*', 'https://*.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example', 'null']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });
});

// ---------------------------------------------------------------- headers

const PAGE_HEADERS = {
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
};

function expectPageHeaders(res: Response) {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(res.headers.get(name), name).toBe(value);
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));
  expect(directives['default-src']).toBe("'self'");
  expect(directives['script-src']).toBe("'self'");
  expect(directives['style-src']).toBe("'self' 'unsafe-inline'");
  expect(directives['img-src']).toBe("'self' data:");
  expect(directives['connect-src']).toBe("'self'");
  expect(directives['frame-ancestors']).toBe("'none'");
  expect(directives['base-uri']).toBe("'none'");
  expect(directives['form-action']).toBe("'self'");
  expect(directives['object-src']).toBe("'none'");
  expect(csp).not.toMatch(/unsafe-eval|\*|https?:/);
  const permissions = res.headers.get('permissions-policy') ?? '';
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) expect(permissions).toContain(`${feature}=()`);
}

describe('browser security headers', () => {
  it('the SPA entry (index.html or the placeholder page) and client-side routes carry the page headers', async () => {
    for (const p of ['/', '/o/acme/users', '/invitations/accept']) {
      const res = await fetch(`${main.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expectPageHeaders(res);
      expect(await res.text()).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    }
  });

  it('HSTS only when PUBLIC_URL is https', async () => {
    expect((await fetch(`${main.url}/`)).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await fetch(`${main.url}/healthz`)).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await fetch(`${prod.url}/`)).headers.get('strict-transport-security')).toBeNull();
  });

  it('API answers are no-store and nosniff', async () => {
    for (const res of [
      await fetch(`${main.url}/healthz`),
      await fetch(`${main.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gqlBody('{ __typename }') }),
      await fetch(`${main.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } }),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // The JWKS is cached on purpose.
    expect((await fetch(`${main.url}/.well-known/jwks.json`)).headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('the built SPA, when present, has no inline script (it runs under script-src \'self\')', () => {
    const index = path.resolve(import.meta.dirname, '../../web/dist/index.html');
    const source = path.resolve(import.meta.dirname, '../../web/index.html');
    for (const file of [source, index].filter((f) => fs.existsSync(f))) {
      const html = fs.readFileSync(file, 'utf8');
      expect(html, file).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
      expect(html, file).not.toMatch(/\son[a-z]+\s*=/i);
    }
  });
});

// ---------------------------------------------------------------- GraphiQL

describe('GraphiQL without a CDN', () => {
  it('the page references only files of this origin, has no inline script, and carries the page headers', async () => {
    const res = await fetch(`${main.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expectPageHeaders(res);
    const html = await res.text();
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn|https?:\/\//i);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style/i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(expect.arrayContaining(['/graphiql/graphiql.css', '/graphiql/yoga-graphiql.umd.js', '/graphiql/init.js']));
    for (const ref of refs) expect(ref.startsWith('/') && !ref.startsWith('//'), ref).toBe(true);
    // Every referenced script and stylesheet, and the editor workers the init script names, are served here.
    const init = await (await fetch(`${main.url}/graphiql/init.js`)).text();
    const workers = [...init.matchAll(/'(monacoeditorwork\/[^']+)'/g)].map((m) => `/graphiql/${m[1]}`);
    expect(workers).toHaveLength(3);
    for (const ref of [...refs.filter((r) => r.startsWith('/graphiql/')), ...workers]) {
      const asset = await fetch(`${main.url}${ref}`);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get('content-type'), ref).toMatch(ref.endsWith('.css') ? /text\/css/ : /javascript/);
      expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
      expect(asset.headers.get('etag')).toBeTruthy();
      await asset.arrayBuffer();
    }
  });

  it('the GraphiQL bundle itself loads nothing from another origin', () => {
    const dist = path.join(path.dirname(require_resolve('@graphql-yoga/graphiql/package.json')), 'dist');
    const bundle = fs.readFileSync(path.join(dist, 'yoga-graphiql.umd.js'), 'utf8');
    expect(bundle).not.toMatch(/unpkg\.com|cdn\.jsdelivr|fonts\.googleapis/);
  });

  it('GraphiQL options travel escaped in a data attribute', async () => {
    const html = await (await fetch(`${main.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const options = /data-options="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    expect(JSON.parse(options)).toMatchObject({ title: 'Gatehouse GraphiQL' });
  });

  it('with GraphiQL off (production default) neither the page nor its files are served', async () => {
    const page = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('graphiql');
    const file = await fetch(`${prod.url}/graphiql/init.js`);
    expect(file.headers.get('content-type') ?? '').not.toContain('javascript');
    await file.arrayBuffer();
  });
});

const require_resolve = createRequire(import.meta.url).resolve;

// ---------------------------------------------------------------- static files

describe('static files (sirv)', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-static-'));
    dir = path.join(root, 'dist');
    fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>SPA</title><script type="module" src="/assets/app-abc123.js"></script>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'export {};');
    fs.writeFileSync(path.join(dir, '.env'), 'SECRET=dotfile');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'SECRET=outside');
    const serve = spaHandler(dir);
    server = http.createServer((req, res) => serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('hashed assets are immutable, index.html revalidates, client routes fall back to index.html, a missing asset is 404', async () => {
    const asset = await fetch(`${url}/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const etag = asset.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect((await fetch(`${url}/assets/app-abc123.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const route = await fetch(`${url}/o/acme/users`);
    expect(route.status).toBe(200);
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(await route.text()).toContain('<title>SPA</title>');
    expect((await fetch(`${url}/assets/missing-123.js`)).status).toBe(404);
  });

  it('no path reaches a file outside the directory, or a dotfile in it', async () => {
    const attempts = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '//secret.txt',
      '/.env',
      '/%2eenv',
      '/assets/%00../../secret.txt',
    ];
    for (const attempt of attempts) {
      const reply = await raw(url, `GET ${attempt} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(reply.body, attempt).not.toContain('SECRET=');
      expect([200, 400, 404], attempt).toContain(reply.status);
    }
  });

  it('through the real server too: no source file is reachable, and non-GET methods on pages are 405', async () => {
    for (const attempt of ['/../api/src/config.ts', '/%2e%2e/%2e%2e/api/src/config.ts', '/..%2f..%2fapi%2fsrc%2fconfig.ts', '/graphiql/..%2f..%2fpackage.json', '/graphiql/../../../package.json']) {
      const reply = await raw(main.url, `GET ${attempt} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(reply.body, attempt).not.toMatch(/loadConfig|"dependencies"/);
      expect([200, 400, 404], attempt).toContain(reply.status);
    }
    const post = await fetch(`${main.url}/o/acme/users`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

// ---------------------------------------------------------------- secrets in links

const INVITE = `mutation Invite($org: ID!, $emails: [String!]!, $roles: [ID!]!) {
  inviteMembers(organizationId: $org, emails: $emails, roleIds: $roles) { __typename ... on InviteMembersPayload { results { status } } }
}`;
const OUTBOX = `query O($to: String) { devOutbox(to: $to, first: 1) { edges { node { text html } } } }`;

describe('secrets in links', () => {
  it('secretLink puts the token after "#", never in the path or query', () => {
    const link = secretLink('https://gatehouse.example/', '/email/confirm', 'tok_EN-123');
    expect(link).toBe('https://gatehouse.example/email/confirm#token=tok_EN-123');
    const url = new URL(link);
    expect(url.pathname + url.search).not.toContain('tok_EN');
    expect(secretLink('https://g.example', 'x', 'a b', 'code')).toBe('https://g.example/x#code=a+b');
    expect(() => secretLink('https://g.example', '/x?y=1', 't')).toThrow();
    expect(invitationLink('https://g.example', 'abc')).toBe('https://g.example/invitations/accept#token=abc');
  });

  it('R8 the invitation mail links to /invitations/accept with the token only in the fragment (text and HTML)', async () => {
    const ts = main.ts;
    const org = await createOrg(ts, 'Linkco');
    const admin = await addMember(ts, org.id, ['admin']);
    const adminToken = (await signIn(ts, admin.email)).accessToken;
    const email = `invitee.${Date.now()}@example.test`;
    const invited = await ts.gql(INVITE, { org: gid('Organization', org.id), emails: [email], roles: [await roleGid(ts, org.id, 'developer')] }, adminToken);
    expect(invited.data.inviteMembers.results[0].status).toBe('INVITED');
    const platformAdmin = await createUser(ts.orm, { platformAdmin: true });
    const paToken = (await signIn(ts, platformAdmin.email)).accessToken;
    const mail = (await ts.gql(OUTBOX, { to: email }, paToken)).data.devOutbox.edges[0].node as { text: string; html: string };
    const links = [...mail.text.matchAll(/https?:\/\/\S+/g), ...mail.html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] ?? m[0]).replace(/&amp;/g, '&'));
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) {
      const url = new URL(link);
      expect(url.origin).toBe(PUBLIC_URL);
      expect(url.pathname).toBe('/invitations/accept');
      expect(url.search).toBe('');
      expect(url.hash).toMatch(/^#token=[A-Za-z0-9_-]{43}$/);
    }
    const token = new URLSearchParams(new URL(links[0]!).hash.slice(1)).get('token')!;
    // The token works (the preview finds the invitation) and appears nowhere before the '#'.
    const preview = await ts.gql(`query($t: String!) { invitationPreview(token: $t) { email } }`, { t: token });
    expect(preview.data.invitationPreview.email).toBe(email);
    expect(mail.text.split('#')[0]).not.toContain(token);
  });

  it('the request log never holds a token: no query string, secret paths and token-shaped segments redacted', async () => {
    const token = 'Zk3_9aQ-7mPq2LxV8nR4tYb6Wc1Hs0Ed5Fg3Jk9Lm2N';
    main.logs.length = 0;
    for (const p of [`/invite/${token}`, `/invitations/accept?token=${token}`, `/invitations/accept/${token}`, `/somewhere/${token}/else`, `/graphql?query={__typename}&token=${token}`]) {
      await (await fetch(`${main.url}${p}`, { headers: { accept: 'application/json' } })).arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 100));
    const lines = main.logs.filter((l) => l.includes('"msg":"request"'));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(line).not.toContain(token);
    expect(lines.join('\n')).toContain('/invite/:redacted');
    // Unit: ordinary paths stay readable.
    expect(logPath('/o/acme-corp-with-a-long-slug-name/users?x=1')).toBe('/o/acme-corp-with-a-long-slug-name/users');
    expect(logPath('/assets/index-CtwvpDW7.js')).toBe('/assets/index-CtwvpDW7.js');
    expect(logPath(`/x/${'a'.repeat(80)}`)).toBe('/x/:redacted');
  });
});
