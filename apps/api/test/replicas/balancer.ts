// The load balancer in front of the replica tests: Debian's HAProxy when it is installed (health
// check on /readyz, the answering server named in x-gatehouse-replica), otherwise a small in-process
// router that does what a balancer does (polls /readyz, round-robin over the ready ones).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, installed } from './processes.ts';

export interface Backend {
  name: string;
  port: number;
}

export interface Balancer {
  kind: 'haproxy' | 'router';
  /** Where the next request goes, and the replica name when the balancer is the in-process router. */
  target(): Promise<{ url: string; replica: string | null }>;
  /** What HAProxy logged (server state changes), for failure messages. */
  output?: () => string;
  close(): Promise<void>;
}

/** Health check interval: a draining replica is out after two checks, well inside the drills' DRAIN_SECONDS. */
const CHECK_MS = 300;

/** HAProxy's configuration for the given backends, as infra/haproxy.cfg does it (health check on /readyz). */
export function haproxyConfig(port: number, backends: Backend[]): string {
  return [
    'global',
    '  maxconn 1024',
    '  log stderr format short local0 notice',
    'defaults',
    '  mode http',
    '  log global',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  option redispatch',
    'frontend gatehouse',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    // Two failed checks mark a replica down: one slow check on a loaded machine is not a drain.
    '  timeout check 1s',
    `  default-server inter ${CHECK_MS}ms fall 2 rise 2`,
    '  http-response set-header x-gatehouse-replica %s',
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

/** The balancers this machine has: the in-process router always, HAProxy when installed. */
export function availableBalancers(): Balancer['kind'][] {
  return installed('haproxy') ? ['router', 'haproxy'] : ['router'];
}

/**
 * HAProxy when installed (or `kind` says which), else the router. REPLICA_TEST_BALANCER=router
 * runs the in-process router even where HAProxy is installed.
 */
export async function startBalancer(backends: Backend[], kind?: Balancer['kind']): Promise<Balancer> {
  const haproxy = installed('haproxy');
  const wanted = kind ?? (process.env.REPLICA_TEST_BALANCER === 'router' || !haproxy ? 'router' : 'haproxy');
  return wanted === 'haproxy' ? startHaproxy(haproxy!, backends) : startRouter(backends);
}

async function startHaproxy(binary: string, backends: Backend[]): Promise<Balancer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, haproxyConfig(port, backends));
  const child: ChildProcess = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  // Up when it answers through at least one healthy replica.
  while (!(await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`haproxy did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    kind: 'haproxy',
    target: async () => ({ url, replica: null }),
    output: () => output,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startRouter(backends: Backend[]): Promise<Balancer> {
  const ready = new Map<string, boolean>(backends.map((b) => [b.name, false]));
  let stopped = false;
  const check = async () => {
    while (!stopped) {
      await Promise.all(
        backends.map(async (b) => {
          const ok = await fetch(`http://127.0.0.1:${b.port}/readyz`).then((r) => r.status === 200, () => false);
          ready.set(b.name, ok);
        }),
      );
      await new Promise((r) => setTimeout(r, CHECK_MS));
    }
  };
  const loop = check();
  let next = 0;
  return {
    kind: 'router',
    target: async () => {
      for (;;) {
        const up = backends.filter((b) => ready.get(b.name));
        if (up.length > 0) {
          const b = up[next++ % up.length]!;
          return { url: `http://127.0.0.1:${b.port}`, replica: b.name };
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      stopped = true;
      await loop;
    },
  };
}
