import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { loadConfig, type Config } from '../src/config.ts';
import { startServer, type Server } from '../src/server.ts';
import { openDatabase, emOf, observeStatements, type Orm } from '../src/db/orm.ts';
import { User } from '../src/modules/users/user.entity.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { createOrganization } from '../src/modules/organizations/organization.service.ts';
import type { Organization } from '../src/modules/organizations/organization.entity.ts';

/** Real databases only: PGlite in memory by default, a fresh PostgreSQL database when DATABASE_URL is set. */
export const onPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDb {
  orm: Orm;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const orm = await openDatabase({ databaseUrl: undefined, pgliteDir: 'memory://' });
    return { orm, databaseUrl: undefined, drop: () => orm.close() };
  }
  const name = `gh_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const orm = await openDatabase({ databaseUrl: url.toString(), pgliteDir: '' });
  return {
    orm,
    databaseUrl: url.toString(),
    drop: async () => {
      await orm.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string }; path?: string[] }[];
}

export interface TestServer {
  server: Server;
  url: string;
  orm: Orm;
  config: Config;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

/** One Ed25519 key for the test servers: production and PostgreSQL refuse to start without a configured key (config.ts). */
export const TEST_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDb();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: dataDir, JWT_PRIVATE_KEY: TEST_SIGNING_KEY, ...env });
  const server = await startServer(config, { log: pino({ level: 'silent' }), orm: db.orm });
  const gql = async (query: string, variables?: Record<string, unknown>, token?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult;
  };
  return {
    server,
    url: server.url,
    orm: db.orm,
    config,
    gql,
    close: async () => {
      await server.close();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'correct-horse-battery-9';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${counter}.${Math.random().toString(36).slice(2, 7)}@example.test`;
}

let passwordHash: Promise<string> | undefined;
/** One argon2 hash of PASSWORD, reused by every fixture user (hashing is deliberately slow). */
function fixtureHash(password: string): Promise<string> {
  if (password !== PASSWORD) return hashPassword(password);
  passwordHash ??= hashPassword(PASSWORD);
  return passwordHash;
}

export async function createUser(
  orm: Orm,
  input: { email?: string; password?: string; platformAdmin?: boolean; mustChangePassword?: boolean; firstName?: string; lastName?: string; emailVerified?: boolean } = {},
): Promise<User> {
  const em = emOf(orm);
  const user = em.create(User, {
    id: crypto.randomUUID(),
    email: (input.email ?? uniqueEmail()).toLowerCase(),
    firstName: input.firstName ?? 'Test',
    lastName: input.lastName ?? 'User',
    passwordHash: await fixtureHash(input.password ?? PASSWORD),
    mustChangePassword: input.mustChangePassword ?? false,
    isPlatformAdmin: input.platformAdmin ?? false,
    // A settled account has proven its address (R20); pass emailVerified: false for one created by an admin.
    emailVerifiedAt: input.emailVerified === false ? null : new Date(),
  });
  await em.flush();
  return user;
}

export async function createOrg(ts: TestServer, name: string, ownerUserId?: string): Promise<Organization> {
  return createOrganization(emOf(ts.orm), { userId: null, label: 'test' }, ts.server.app.preset, {
    name,
    slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Math.random().toString(36).slice(2, 7)}`,
    ownerUserId: ownerUserId ?? null,
  });
}

export const SIGN_IN = `mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id email mustChangePassword } }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
    ... on TooManyAttemptsError { retryAfterSeconds }
  }
}`;

export async function signIn(ts: TestServer, email: string, password = PASSWORD): Promise<{ accessToken: string; refreshToken: string; userId: string }> {
  const res = await ts.gql(SIGN_IN, { email, password });
  const payload = res.data?.signIn;
  if (payload?.__typename !== 'AuthPayload') throw new Error(`sign-in failed: ${JSON.stringify(res)}`);
  return { accessToken: payload.accessToken, refreshToken: payload.refreshToken, userId: payload.user.id };
}

/** The statement texts sent while `fn` runs, transaction control (BEGIN, COMMIT, savepoints) left out. */
export async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const stop = observeStatements((text) => seen.push(text));
  try {
    await fn();
  } finally {
    stop();
  }
  return seen.filter((text) => !/^\s*(begin|commit|rollback|savepoint|release|start transaction|set transaction)/i.test(text));
}

/** Counts SQL statements sent to the database while `fn` runs (for N+1 checks; BEGIN/COMMIT included). */
export async function countQueries(_orm: Orm, fn: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const stop = observeStatements(() => {
    count += 1;
  });
  try {
    await fn();
  } finally {
    stop();
  }
  return count;
}

export interface Member {
  userId: string;
  email: string;
  membershipId: string;
  /** Relay global ids, as clients see them. */
  gid: { user: string; membership: string };
}

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
/** The database id inside a global id (for checks in SQL). */
export const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':').slice(1).join(':');

/** Adds an account (new unless `userId` is given) to an org with the given role keys, straight in SQL. */
export async function addMember(ts: TestServer, orgId: string, roleKeys: string[], opts: { userId?: string; status?: 'ACTIVE' | 'DISABLED'; email?: string } = {}): Promise<Member> {
  const em = emOf(ts.orm);
  const user = opts.userId ? (await em.findOneOrFail(User, { id: opts.userId })) : await createUser(ts.orm, { email: opts.email });
  const membershipId = crypto.randomUUID();
  await em.execute(`insert into membership (id, org_id, user_id, status) values (?, ?, ?, ?)`, [membershipId, orgId, user.id, opts.status ?? 'ACTIVE']);
  for (const key of roleKeys) {
    await em.execute(`insert into membership_role (membership_id, role_id) select ?, id from role where org_id = ? and key = ?`, [membershipId, orgId, key]);
  }
  return { userId: user.id, email: user.email, membershipId, gid: { user: gid('User', user.id), membership: gid('Membership', membershipId) } };
}

export async function roleGid(ts: TestServer, orgId: string, key: string): Promise<string> {
  const rows = await emOf(ts.orm).execute<{ id: string }[]>(`select id from role where org_id = ? and key = ?`, [orgId, key]);
  if (!rows[0]) throw new Error(`no role ${key}`);
  return gid('Role', rows[0].id);
}

export async function auditCount(ts: TestServer, orgId?: string): Promise<number> {
  const rows = await emOf(ts.orm).execute<{ n: number }[]>(
    orgId ? `select count(*)::int as n from audit_event where org_id = ?` : `select count(*)::int as n from audit_event`,
    orgId ? [orgId] : [],
  );
  return Number(rows[0]!.n);
}
