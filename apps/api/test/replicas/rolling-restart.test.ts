// The SIGTERM drill: two replicas behind a balancer under bounded client load; one is stopped
// (SIGTERM), started again, then the other is stopped. On SIGTERM a replica answers 503 on /readyz
// first, keeps serving for DRAIN_SECONDS with `Connection: close`, then stops accepting, finishes
// in-flight requests and exits 0 (http/shutdown.ts). No request may fail.
// PostgreSQL only: several processes share one database.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/orm.ts';
import { createUser, onPostgres, PASSWORD, SIGN_IN, uniqueEmail } from '../harness.ts';
import { availableBalancers, startBalancer } from './balancer.ts';
import { freePort, freshDatabase, gql, killAll, startReplica, type Replica } from './processes.ts';

afterAll(killAll);

const DRAIN = { DRAIN_SECONDS: '4', SHUTDOWN_TIMEOUT_SECONDS: '20' };
const VIEWER = `{ viewer { id email } }`;

// Through the in-process router (which, without the drain, loses requests: connections reset and
// refused) and through HAProxy when installed (which also retries connections a replica refused).
describe.each(availableBalancers())('replicas: rolling restart behind %s', (kind) => {
  it.skipIf(!onPostgres)('SIGTERM under load loses no request: readiness 503 first, drain, Connection: close, exit 0; restart and stop the other (PostgreSQL only)', { timeout: 300_000 }, async () => {
    const db = await freshDatabase();
    const ports = { a: await freePort(), b: await freePort() };
    // One PUBLIC_URL (the balancer's) for all: it is the tokens' issuer, which every replica checks.
    const env = { DATABASE_URL: db.url, PUBLIC_URL: 'http://gatehouse.test', ...DRAIN };
    let balancer: Awaited<ReturnType<typeof startBalancer>> | undefined;
    try {
      let a: Replica = await startReplica('a', env, ports.a);
      await a.ready;
      const b = await startReplica('b', env, ports.b);
      await b.ready;

      const orm = await openDatabase({ databaseUrl: db.url, pgliteDir: '', migrate: false, poolMax: 1 });
      const email = uniqueEmail('drill');
      await createUser(orm, { email });
      await orm.close();
      const signedIn = await gql(a.url, SIGN_IN, { email, password: PASSWORD });
      const token = signedIn.body.data.signIn.accessToken as string;

      // The drain itself, seen from outside: readiness 503 at once, requests still served with Connection: close.
      balancer = await startBalancer([{ name: 'a', port: ports.a }, { name: 'b', port: ports.b }], kind);
      const load = runLoad(balancer, token);
      await sleep(1500);

      const events: string[] = [];
      const note = (what: string) => events.push(`${new Date().toISOString()} ${what}`);
      note('SIGTERM a');
      const stopA = a.stop();
      await sleep(300);
      const readyz = await fetch(`${a.url}/readyz`);
      expect(readyz.status).toBe(503);
      const during = await fetch(`${a.url}/healthz`);
      expect(during.status).toBe(200);
      expect(during.headers.get('connection')).toBe('close');
      expect(await stopA).toBe(0);
      note('a exited');
      expect(a.output()).toMatch(/draining: readiness now 503/);

      a = await startReplica('a', env, ports.a);
      await a.ready;
      note('a ready again');
      await sleep(1500); // the balancer sees it healthy again
      note('SIGTERM b');
      expect(await b.stop()).toBe(0);
      note('b exited');
      await sleep(1000);
      const result = await load.stop();
      if (process.env.REPLICA_TEST_REPORT) console.info(`drill via ${balancer.kind}: ${result.total} requests, ${result.failures.length} failed, by replica ${JSON.stringify([...result.byReplica])}`);
      await a.stop();

      expect(result.failures, `${JSON.stringify(result.failures.slice(0, 3))}\n${balancer.output?.() ?? ''}\n${events.join('\n')}`).toEqual([]);
      expect(result.total).toBeGreaterThan(100);
      // Both replicas served, and the restarted one served after the other stopped.
      expect(result.byReplica.get('a') ?? 0, balancer.kind).toBeGreaterThan(0);
      expect(result.byReplica.get('b') ?? 0, balancer.kind).toBeGreaterThan(0);
      expect(result.lastReplica).toBe('a');
    } finally {
      await balancer?.close();
      await killAll();
      await db.drop();
    }
  });
});

interface LoadResult {
  total: number;
  failures: string[];
  byReplica: Map<string, number>;
  lastReplica: string | null;
}

/** Four clients sending authenticated queries back to back (at most 20,000) until stopped. */
function runLoad(balancer: Awaited<ReturnType<typeof startBalancer>>, token: string) {
  let stopped = false;
  const result: LoadResult = { total: 0, failures: [], byReplica: new Map(), lastReplica: null };
  const worker = async () => {
    while (!stopped && result.total < 20_000) {
      const target = await balancer.target();
      result.total += 1;
      try {
        const reply = await gql(target.url, VIEWER, {}, token).catch(async (error: unknown) => {
          throw new Error(`${new Date().toISOString()} ${String((error as Error).cause ?? error)}`);
        });
        const replica = reply.replica ?? target.replica;
        if (reply.status !== 200 || reply.body.errors || !reply.body.data?.viewer?.id) {
          result.failures.push(`${new Date().toISOString()} ${replica}: ${reply.status} ${JSON.stringify(reply.body)}`);
        } else if (replica) {
          result.byReplica.set(replica, (result.byReplica.get(replica) ?? 0) + 1);
          result.lastReplica = replica;
        }
      } catch (error) {
        result.failures.push(`${target.replica ?? balancer.kind}: ${String((error as Error).cause ?? error)}`);
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return result;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
