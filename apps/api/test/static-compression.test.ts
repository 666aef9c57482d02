// The SPA's assets: precompressed variants (built by apps/web/scripts/vite-precompress.ts) are
// served as they are, with ETags and long caching; a file removed after start is a 404, never a crash.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spaHandler } from '../src/http/static.ts';

const BODY = `export const big = ${JSON.stringify('x'.repeat(4000))};\n`;

function get(url: string, encoding: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('static assets, precompressed (issue 13: weight)', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-precompressed-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>SPA</title>');
    for (const name of ['app-1.js', 'gone-2.js']) {
      fs.writeFileSync(path.join(dir, 'assets', name), BODY);
      fs.writeFileSync(path.join(dir, 'assets', `${name}.gz`), zlib.gzipSync(BODY));
      fs.writeFileSync(path.join(dir, 'assets', `${name}.br`), zlib.brotliCompressSync(BODY));
    }
    const serve = spaHandler(dir);
    server = http.createServer((req, res) => serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends brotli to browsers that accept it, gzip to the others, identity otherwise; each with an ETag', async () => {
    const br = await get(`${url}/assets/app-1.js`, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(BODY);
    expect(br.body.length).toBeLessThan(BODY.length / 10);
    expect(br.headers.etag).toBeTruthy();
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toMatch(/accept-encoding/i);

    const gz = await get(`${url}/assets/app-1.js`, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(BODY);

    const plain = await get(`${url}/assets/app-1.js`, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(BODY);
  });

  it('an asset deleted after the server started (a rebuild) answers 404 and the server keeps serving', async () => {
    for (const suffix of ['', '.gz', '.br']) fs.rmSync(path.join(dir, 'assets', `gone-2.js${suffix}`));
    expect((await get(`${url}/assets/gone-2.js`, 'gzip, br')).status).toBe(404);
    expect((await get(`${url}/assets/%E0%A4%A`, 'gzip')).status).toBe(404);
    expect((await get(`${url}/assets/app-1.js`, 'gzip')).status).toBe(200);
  });
});
