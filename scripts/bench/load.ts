// A bounded closed-loop load generator: N clients, each sending its next request as soon as the
// previous one answered, for a fixed time. Every answer is checked; a wrong answer, an HTTP error or a
// GraphQL error counts as an error. Reports requests/s, latency percentiles and errors.
import http from 'node:http';
import type { RequestSpec, Side, Workload } from './workloads.ts';

export interface LoadOptions {
  clients: number;
  durationMs: number;
  /** Run this long first without counting (JIT, pools, caches). */
  warmupMs: number;
  token: string;
  /** Read at the start and end of the counted window (e.g. the server's CPU time); the difference is returned. */
  sample?: () => Promise<number>;
  /** More samplers read like `sample` (e.g. PostgreSQL's CPU on the primary and on a replica); differences in `sampledBy`. */
  samples?: Record<string, () => Promise<number>> | undefined;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first few distinct error messages. */
  errorSamples: string[];
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** sample() at the end of the window minus at its start. */
  sampled?: number;
  /** Each of `samples` at the end of the window minus at its start. */
  sampledBy?: Record<string, number>;
}

export interface Answer {
  status: number;
  body: string;
}

/** One HTTP request on a keep-alive agent; the whole body as text. */
export function send(agent: http.Agent, baseUrl: string, spec: RequestSpec, token: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'gatehouse-bench' };
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(spec.body));
    }
    if (spec.auth && token) headers.authorization = `Bearer ${token}`;
    const req = http.request(`${baseUrl}${spec.path}`, { method: spec.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(spec.body);
  });
}

/** The `data` of an answer, or an error message (HTTP status, GraphQL errors, not JSON). */
export function dataOf(answer: Answer): { data?: any; error?: string } {
  let parsed: any;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return { error: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
  }
  if (parsed?.errors?.length) return { error: `HTTP ${answer.status}: ${JSON.stringify(parsed.errors).slice(0, 300)}` };
  if (answer.status !== 200) return { error: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
  return { data: parsed?.data };
}

/** One call of a workload from client `client`, checked. */
export async function call(agent: http.Agent, baseUrl: string, side: Side, workload: Workload, client: number, n: number, token: string): Promise<{ data?: any; error?: string }> {
  const answer = await send(agent, baseUrl, workload.request(side, client, n), token);
  const result = dataOf(answer);
  if (result.error) return result;
  const wrong = workload.check(result.data, client, n);
  if (wrong) return { data: result.data, error: `wrong answer: ${wrong}` };
  workload.done?.(client, n);
  return result;
}

export async function runLoad(baseUrl: string, side: Side, workload: Workload, options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  const latencies: number[] = [];
  const samples = new Set<string>();
  let errors = 0;
  let counting = false;
  let stop = false;
  let calls = 0;
  const loop = async (client: number) => {
    while (!stop) {
      const n = calls++;
      const started = performance.now();
      let error: string | undefined;
      try {
        error = (await call(agent, baseUrl, side, workload, client, n, options.token)).error;
      } catch (e) {
        error = String(e instanceof Error ? e.message : e);
      }
      if (!counting) continue;
      if (stop) break;
      latencies.push(performance.now() - started);
      if (error) {
        errors += 1;
        if (samples.size < 3) samples.add(error.slice(0, 300));
      }
    }
  };
  const clients = Array.from({ length: options.clients }, (_, c) => loop(c));
  await sleep(options.warmupMs);
  const readAll = async () => Object.fromEntries(await Promise.all(Object.entries(options.samples ?? {}).map(async ([k, f]) => [k, await f()] as const)));
  const s0 = await options.sample?.();
  const all0 = await readAll();
  counting = true;
  const t0 = performance.now();
  await sleep(options.durationMs);
  stop = true;
  const seconds = (performance.now() - t0) / 1000;
  const s1 = await options.sample?.();
  const all1 = await readAll();
  await Promise.all(clients);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!) : NaN);
  return {
    requests: latencies.length,
    errors,
    errorSamples: [...samples],
    seconds: round(seconds),
    rps: round(latencies.length / seconds),
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: latencies.length ? round(latencies.at(-1)!) : NaN,
    mean: latencies.length ? round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : NaN,
    ...(s0 !== undefined && s1 !== undefined ? { sampled: s1 - s0 } : {}),
    ...(options.samples ? { sampledBy: Object.fromEntries(Object.keys(all1).map((k) => [k, all1[k]! - all0[k]!])) } : {}),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number) => Math.round(n * 100) / 100;
