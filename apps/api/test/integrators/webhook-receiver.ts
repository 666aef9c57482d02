import http from 'node:http';
import { Webhook } from 'standardwebhooks';

/** A real HTTP receiver for webhook tests: records every request; answers as `respond` says. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: any;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer (or a delay in ms before answering 200) per request; default 200. */
  respond: (req: Received) => number | { delayMs: number };
  verify(secret: string, r: Received): boolean;
  waitFor(predicate: (all: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond: () => 200,
    verify(secret, r) {
      try {
        new Webhook(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
        return true;
      } catch {
        return false;
      }
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > until) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${received.length} requests: ${received.map((r) => `${r.json?.type}#${r.json?.data?.sequence}:${r.status}`).join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: Received = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body,
        json: JSON.parse(body),
        status: 0,
      };
      const answer = receiver.respond(entry);
      if (typeof answer === 'number') {
        entry.status = answer;
        received.push(entry);
        res.writeHead(answer).end();
      } else {
        entry.status = -1; // timed out on the sender's side
        received.push(entry);
        setTimeout(() => res.writeHead(200).end(), answer.delayMs).unref();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  server.closeIdleConnections?.();
  return receiver;
}
