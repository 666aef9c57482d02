// Starts the real API (which also serves the built SPA from apps/web/dist) on a free port with a
// fresh database: a new PGlite data directory, or a new PostgreSQL database next to DATABASE_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface E2EState {
  url: string;
  adminEmail: string;
  adminPassword: string;
  pid: number;
  dataDir: string;
  database: string | null;
}

export const ROOT = path.resolve(import.meta.dirname, '../../..');
// E2E_STATE_FILE lets two runs of the suite (two working copies, two helpers) share nothing.
export const STATE_FILE = process.env.E2E_STATE_FILE ?? path.join(import.meta.dirname, '.state.json');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh database on the server of DATABASE_URL (dropped again at teardown). */
async function createDatabase(baseUrl: string): Promise<{ url: string; name: string }> {
  const { default: pg } = await import('pg');
  const name = `gatehouse_e2e_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function dropDatabase(baseUrl: string, name: string) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

export async function startApi(): Promise<{ state: E2EState; child: ChildProcess }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-'));
  let database: { url: string; name: string } | null = null;
  if (process.env.DATABASE_URL) database = await createDatabase(process.env.DATABASE_URL);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    GATEHOUSE_DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    // On PostgreSQL the API refuses to start without a configured signing key (apps/api/src/config.ts).
    JWT_PRIVATE_KEY: process.env.JWT_PRIVATE_KEY ?? generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  if (database) env.DATABASE_URL = database.url;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let output = '';
  const ready = new Promise<{ email: string; password: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API did not start in time:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const email = /Platform admin: (\S+)/.exec(output)?.[1];
      const password = /One-time password: (\S+)/.exec(output)?.[1];
      if (email && password) {
        clearTimeout(timer);
        resolve({ email, password });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`API exited with ${code}:\n${output}`)));
  });
  const admin = await ready;
  const state: E2EState = {
    url: `http://127.0.0.1:${port}`,
    adminEmail: admin.email,
    adminPassword: admin.password,
    pid: child.pid!,
    dataDir,
    database: database?.name ?? null,
  };
  return { state, child };
}
