// The benchmark runs each server (Gatehouse, L1) in a child process of its own and talks to it over
// Node's IPC channel: the child says when it listens, and answers for its statement counter,
// captured statements and memory. The load generator stays in the parent.
import fs from 'node:fs';
import { fork, type ChildProcess } from 'node:child_process';

export interface Statement {
  text: string;
  values?: unknown[];
}

export interface ServerStats {
  /** SQL statements sent since start (BEGIN and COMMIT included). */
  statements: number;
  rssBytes: number;
  /** Peak RSS of the process so far (getrusage maxrss). */
  maxRssBytes: number;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** Statements recorded since capture was switched on. */
  captured?: Statement[];
}

type Request = { id: number; type: 'stats' } | { id: number; type: 'capture'; on: boolean };

/** In a server child: reports `ready` and answers the parent's requests. */
export function serveIpc(ready: { url: string }, counter: { statements: number; capture: Statement[] | undefined }) {
  if (!process.send) return;
  process.on('message', (message: Request) => {
    if (message.type === 'capture') {
      counter.capture = message.on ? [] : undefined;
      process.send!({ id: message.id, ok: true });
      return;
    }
    const usage = process.resourceUsage();
    const stats: ServerStats = {
      statements: counter.statements,
      rssBytes: process.memoryUsage.rss(),
      maxRssBytes: usage.maxRSS * 1024,
      cpuUserMicros: usage.userCPUTime,
      cpuSystemMicros: usage.systemCPUTime,
      ...(counter.capture ? { captured: counter.capture } : {}),
    };
    process.send!({ id: message.id, stats });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, url: ready.url, pid: process.pid });
}

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  stats(): Promise<ServerStats>;
  capture(on: boolean): Promise<void>;
  /** VmRSS and VmHWM from /proc (Linux), else from the child itself. */
  rss(): Promise<{ rss: number; hwm: number }>;
  stop(): Promise<void>;
}

/** Starts `script` with Node and waits until it listens (or fails). */
export function startChild(name: string, script: string, env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<ChildServer> {
  const child: ChildProcess = fork(script, [], { env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, (m: any) => void>();
  const request = (m: Record<string, unknown>) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, resolve);
      if (!child.connected) return reject(new Error(`${name} is not running`));
      child.send({ ...m, id });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before listening`));
    });
    child.on('message', (m: any) => {
      if (m?.ready) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          name,
          url: m.url,
          pid: m.pid,
          stats: () => request({ type: 'stats' }).then((r) => r.stats as ServerStats),
          capture: (on) => request({ type: 'capture', on }).then(() => undefined),
          rss: async () => {
            try {
              const status = fs.readFileSync(`/proc/${m.pid}/status`, 'utf8');
              const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
              return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
            } catch {
              const s = await request({ type: 'stats' }).then((r) => r.stats as ServerStats);
              return { rss: s.rssBytes, hwm: s.maxRssBytes };
            }
          },
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
              child.once('exit', () => {
                clearTimeout(force);
                done();
              });
              child.kill('SIGTERM');
            }),
        });
        return;
      }
      const resolver = waiting.get(m?.id);
      if (resolver) {
        waiting.delete(m.id);
        resolver(m);
      }
    });
  });
}
