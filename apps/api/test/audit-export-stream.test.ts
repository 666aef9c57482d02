/**
 * Issue 10: the audit export (R13) over a real HTTP socket, on enough events to span many 500-row
 * batches. A client that goes away mid-export stops the reads and leaves no connection behind; a
 * client that reads slowly holds the server back (backpressure) instead of letting it read every
 * batch ahead, and still gets every row once it reads again. Batches are counted with
 * observeStatements, which also sees the export's callback reads on PostgreSQL (audit.export-reader.ts).
 */
import http from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf, observeStatements } from '../src/db/orm.ts';
import { exec, row } from '../src/db/sql.ts';
import { createOrg, createUser, onPostgres, signIn, startTestServer, type TestServer } from './harness.ts';

/** Seeded events: 80 batches of 500, some 15 MB of CSV and 35 MB of NDJSON, far more than the socket buffers hold. */
const SEEDED = 40_000;
const BATCH = 500;
/** The text every unfiltered export batch shares (audit.export.ts, both formats). */
const BATCH_TEXT = 'from "audit_event" where "org_id" = $1 and "seq" > $2 order by "audit_event"."seq" limit 500';

let ts: TestServer;
let slug: string;
let token: string;
/** Events of the organization (the seeded ones and those its creation wrote). */
let total: number;
let batches = 0;
let stopObserving: () => void;
const serverErrors: unknown[] = [];
const onUnhandled = (error: unknown) => serverErrors.push(error);

beforeAll(async () => {
  ts = await startTestServer();
  // Errors the server logs (level error and above) and every request it answers with a 5xx.
  ts.server.app.log = pino({ level: 'info' }, {
    write(line: string) {
      const entry = JSON.parse(line) as { level: number; status?: number };
      if (entry.level >= 50 || (entry.status ?? 0) >= 500) serverErrors.push(entry);
    },
  });
  process.on('unhandledRejection', onUnhandled);
  const owner = await createUser(ts.orm);
  const org = await createOrg(ts, 'Export Stream', owner.id);
  slug = org.slug;
  token = (await signIn(ts, owner.email)).accessToken;
  // Through the chain trigger, in one statement: every event gets its seq and hash as in production.
  const em = emOf(ts.orm);
  await exec(
    em,
    `insert into audit_event (org_id, actor_user_id, actor_label, action, target_type, target_id, target_label, before, after, ip, user_agent, request_id)
     select $1::uuid, $2::uuid, $3, 'membership.roles_changed', 'Membership', md5(i::text), 'user' || i || '@example.test',
            '{"roles": ["viewer"]}'::jsonb, jsonb_build_object('roles', jsonb_build_array('developer', 'viewer'), 'n', i),
            '10.0.' || (i % 250) || '.' || (i % 199 + 1), $4, 'seed-' || i
       from generate_series(1, $5::int) i`,
    [org.id, owner.id, owner.email, 'Mozilla/5.0 (X11; Linux x86_64) export-stream-test', SEEDED],
  );
  total = Number((await row<{ n: string }>(em, `select count(*)::text as n from audit_event where org_id = $1`, [org.id]))!.n);
  stopObserving = observeStatements((sql) => {
    if (sql.includes(BATCH_TEXT)) batches += 1;
  });
}, 300_000);

afterAll(async () => {
  stopObserving?.();
  process.off('unhandledRejection', onUnhandled);
  await ts?.close();
});

/** The batches a whole export reads: one per 500 events, and a last one that comes back short. */
const allBatches = () => Math.floor(total / BATCH) + 1;

/** GET /audit/export on its own socket (no keep-alive agent); resolves once the headers are in. */
function openExport(format: 'csv' | 'ndjson'): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${ts.url}/audit/export?organization=${slug}&format=${format}`, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => resolve({ req, res }));
    req.on('error', reject);
  });
}

/** The client side of one export: counts bytes and lines as they arrive, reads only when told to. */
class Download {
  bytes = 0;
  lines = 0;
  private tail = Buffer.alloc(0);
  private wanted = Infinity;
  private reached: (() => void) | undefined;
  readonly ended: Promise<void>;
  private readonly res: http.IncomingMessage;

  constructor(res: http.IncomingMessage) {
    this.res = res;
    this.ended = new Promise((resolve, reject) => {
      res.once('end', resolve);
      res.once('error', reject);
    });
    // A download the test cuts short ends in 'aborted': only readToEnd's caller cares how it ends.
    this.ended.catch(() => {});
    res.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines += 1;
      this.tail = Buffer.concat([this.tail, chunk]).subarray(-64 * 1024);
      if (this.bytes >= this.wanted) {
        res.pause();
        this.wanted = Infinity;
        this.reached?.();
      }
    });
    // Nothing is read until the test says so.
    res.pause();
  }

  /** Reads until at least `bytes` in all have arrived, then stops reading again. */
  readUntil(bytes: number): Promise<void> {
    return new Promise((resolve) => {
      this.wanted = bytes;
      this.reached = resolve;
      this.res.resume();
    });
  }

  async readToEnd(): Promise<void> {
    this.res.resume();
    await this.ended;
  }

  get lastLine(): string {
    return this.tail.toString('utf8').trimEnd().split('\n').pop() ?? '';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the batch count has not moved for `quietMs`; answers it. */
async function batchesSettled(quietMs = 600, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = batches;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    if (batches !== seen) {
      seen = batches;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return seen;
    }
  }
  throw new Error(`the export kept reading batches for ${timeoutMs} ms (${batches} read)`);
}

/** Resolves with `promise` or fails after `ms`: "promptly" made checkable. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what} took more than ${ms} ms`)))]);
}

/** The primary's `pg` pool (PostgreSQL); PGlite has a single in-process connection and no pool. */
async function pgPool(): Promise<{ totalCount: number; idleCount: number; waitingCount: number }> {
  return (await emOf(ts.orm).getDriver().getConnection('write').getNativeClient()) as { totalCount: number; idleCount: number; waitingCount: number };
}

/** After a client went away: no connection is still held or still running an export statement, and the database answers at once. */
async function expectReleased() {
  const em = emOf(ts.orm);
  expect(await within(1_000, row<{ one: number }>(em, 'select 1 as one'), 'a query after the disconnect')).toEqual({ one: 1 });
  if (onPostgres) {
    const pool = await pgPool();
    const deadline = Date.now() + 2_000;
    while (pool.idleCount !== pool.totalCount && Date.now() < deadline) await sleep(20);
    expect({ idle: pool.idleCount, waiting: pool.waitingCount }).toEqual({ idle: pool.totalCount, waiting: 0 });
    const running = await row<{ n: number }>(
      em,
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and query like $1`,
      [`%${BATCH_TEXT}%`],
    );
    expect(running!.n).toBe(0);
  }
  expect(serverErrors).toEqual([]);
}

describe(`R13 audit export over a real socket (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('R13 the export reads through observeStatements: a whole export counts every one of its batches', async () => {
    const before = batches;
    const { res } = await openExport('csv');
    expect(res.statusCode).toBe(200);
    const download = new Download(res);
    await download.readToEnd();
    expect(download.lines).toBe(total + 1); // the header, then one line per event
    expect(download.lastLine.split(',').at(-2)).toBe(String(total)); // seq (then the hex hash): chain order, nothing missing
    expect(batches - before).toBe(allBatches());
    expect(allBatches()).toBeGreaterThan(50);
  });

  it('R13 a client that disconnects mid-stream: the reads stop at once, the connection is released, nothing is logged as an error', async () => {
    const before = batches;
    const { req, res } = await openExport('csv');
    expect(res.statusCode).toBe(200);
    // About five batches of CSV read, then the socket is destroyed.
    await new Download(res).readUntil(1_000_000);
    req.destroy();
    const atClose = batches - before;
    const settled = (await batchesSettled()) - before;
    // At most the batch in flight and the one whose write finds the socket gone. (The server runs
    // ahead of the client by what the socket buffers hold: 6 to 20 batches here, measured.)
    expect(settled).toBeLessThanOrEqual(atClose + 2);
    expect(settled).toBeLessThan((allBatches() * 3) / 4);
    await expectReleased();
  });

  it('R13 a client that disconnects while the server waits for it to read (backpressure): the wait ends, the connection is released', async () => {
    const before = batches;
    const { req, res } = await openExport('ndjson');
    expect(res.statusCode).toBe(200);
    new Download(res);
    const atClose = (await batchesSettled()) - before;
    req.destroy();
    const settled = (await batchesSettled()) - before;
    // Blocked on 'drain', the export sees 'close' and ends: nothing read after the disconnect.
    expect(settled).toBe(atClose);
    expect(settled).toBeLessThan(allBatches() / 2);
    await expectReleased();
  });

  it('R13 a slow reader: the server stops reading batches while the client does not read, then sends every row once it does', async () => {
    const before = batches;
    const { res } = await openExport('ndjson');
    expect(res.statusCode).toBe(200);
    const download = new Download(res);
    // Not reading at all: the server reads what the socket buffers hold, plus one batch in flight, and stops.
    const paused = (await batchesSettled()) - before;
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThan(allBatches() / 4);
    await sleep(700);
    expect(batches - before).toBe(paused);
    // A few megabytes read, then paused again: the server reads about what was freed, and stops again.
    await download.readUntil(4_000_000);
    const partly = (await batchesSettled()) - before;
    expect(partly).toBeGreaterThan(paused);
    expect(partly).toBeLessThan(allBatches() / 2);
    // Reading again to the end: every event, in chain order, each batch read once.
    await download.readToEnd();
    expect(download.lines).toBe(total);
    expect((JSON.parse(download.lastLine) as { seq: number }).seq).toBe(total);
    expect(batches - before).toBe(allBatches());
    expect(serverErrors).toEqual([]);
  });
});
