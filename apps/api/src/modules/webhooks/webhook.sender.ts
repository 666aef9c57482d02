import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './webhook.ssrf.ts';

export interface SendResult {
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** Response bodies are not kept: at most this much is read before the socket is closed. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One POST, with a total time-out, no redirects followed, the SSRF guard in the socket's lookup.
 * Never throws: every outcome is a status or an error text for the delivery log.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivate: boolean }): Promise<SendResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, error, durationMs: Math.round(performance.now() - started) });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return done(null, 'Invalid URL');
    }
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Gatehouse-Webhooks/1', 'content-length': Buffer.byteLength(body), ...headers },
      lookup: guardedLookup(options.allowPrivate),
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      done(null, `Timed out after ${options.timeoutMs} ms`);
    }, options.timeoutMs);
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      res.on('end', () => done(res.statusCode ?? null, null));
      res.on('close', () => done(res.statusCode ?? null, null));
      res.on('error', () => done(res.statusCode ?? null, null));
    });
    req.on('error', (error) => done(null, error.message.slice(0, 500)));
    req.end(body);
  });
}
