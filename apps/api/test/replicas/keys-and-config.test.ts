// One key or no start (R17 across replicas), key rotation through the JWKS, and the configuration
// schema's refusals and defaults (apps/api/src/config.ts).
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { startServer, type Server } from '../../src/server.ts';
import { createUser, signIn, startTestServer, type TestServer } from '../harness.ts';
import { ROOT } from './processes.ts';

const ed25519 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const KEY = ed25519();
const PG_URL = 'postgres://gatehouse@db.internal:5432/gatehouse';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('R17 one key or no start', () => {
  it('R17 production without JWT_PRIVATE_KEY is refused, naming the variable', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^JWT_PRIVATE_KEY is required in production and whenever DATABASE_URL is set/)]);
  });

  it('R17 any environment on PostgreSQL (DATABASE_URL) without JWT_PRIVATE_KEY is refused', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(problemsOf({ NODE_ENV, DATABASE_URL: PG_URL }), NODE_ENV).toEqual([expect.stringContaining('JWT_PRIVATE_KEY is required')]);
    }
  });

  it('R17 development and tests on the embedded PGlite may still generate a key (none configured)', () => {
    expect(loadConfig({}, '/srv').jwt.privateKeyPem).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv').jwt.privateKeyPem).toBeUndefined();
  });

  it('R17 with a configured key, production and PostgreSQL start (the PEM may arrive with literal \\n)', () => {
    const flattened = KEY.pem.replace(/\n/g, '\\n');
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: PG_URL, JWT_PRIVATE_KEY: flattened }, '/srv');
    expect(config.jwt.privateKeyPem).toBe(KEY.pem);
  });

  it('R17 a key that is not an Ed25519 PKCS#8 PEM is refused', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const broken = KEY.pem.replace(/\n.{12}/, '\n'); // DER cut short
    for (const bad of ['secret', rsa, ec, broken, KEY.publicPem]) {
      expect(problemsOf({ JWT_PRIVATE_KEY: bad }), bad.slice(0, 40)).toEqual([expect.stringMatching(/^JWT_PRIVATE_KEY must be the PKCS#8 PEM of an Ed25519 key/)]);
    }
  });

  it('R17 JWT_PREVIOUS_PUBLIC_KEYS takes one or more Ed25519 public keys and refuses anything else', () => {
    const other = ed25519();
    expect(loadConfig({ JWT_PREVIOUS_PUBLIC_KEYS: `${KEY.publicPem}${other.publicPem}` }, '/srv').jwt.previousPublicKeysPem).toEqual([KEY.publicPem, other.publicPem]);
    expect(loadConfig({}, '/srv').jwt.previousPublicKeysPem).toEqual([]);
    const rsaPublic = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const bad of ['old-key', KEY.pem, rsaPublic, `${KEY.publicPem}${rsaPublic}`]) {
      expect(problemsOf({ JWT_PREVIOUS_PUBLIC_KEYS: bad }), bad.slice(0, 40)).toEqual([expect.stringMatching(/^JWT_PREVIOUS_PUBLIC_KEYS must be one or more SPKI PEM Ed25519 public keys/)]);
    }
  });

  it('R17 main.ts refuses to start in production without a key: exit 78 (EX_CONFIG), the reason on stderr, nothing listening', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: '0', GATEHOUSE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-nokey-')) };
    delete env.JWT_PRIVATE_KEY;
    delete env.DATABASE_URL;
    const run = spawnSync(process.execPath, ['apps/api/src/main.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    fs.rmSync(env.GATEHOUSE_DATA_DIR!, { recursive: true, force: true });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('JWT_PRIVATE_KEY is required');
    expect(run.stdout).not.toContain('Gatehouse is running');
  });
});

describe('R17 key rotation: the previous key stays published until its tokens expire', () => {
  const OLD = ed25519();
  const NEW = ed25519();
  let ts: TestServer;
  let rotated: Server;
  let unrotated: Server;
  let email: string;
  const dirs: string[] = [];

  /** A second server on the same database (a replica after the rotation). */
  const replica = async (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-rotation-'));
    dirs.push(dir);
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: dir, ...env });
    return startServer(config, { log: pino({ level: 'silent' }), orm: ts.orm });
  };
  const viewer = async (url: string, token: string) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ viewer { email } }' }) });
    return ((await res.json()) as { data?: { viewer?: { email: string } | null } }).data?.viewer?.email ?? null;
  };

  beforeAll(async () => {
    ts = await startTestServer({ JWT_PRIVATE_KEY: OLD.pem });
    email = (await createUser(ts.orm)).email;
    rotated = await replica({ JWT_PRIVATE_KEY: NEW.pem, JWT_PREVIOUS_PUBLIC_KEYS: OLD.publicPem });
    unrotated = await replica({ JWT_PRIVATE_KEY: NEW.pem });
  });
  afterAll(async () => {
    await rotated?.close();
    await unrotated?.close();
    await ts?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('R17 the JWKS lists the signing key first, then the previous one, each with its kid', async () => {
    const jwks = (await (await fetch(`${rotated.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; x: string; alg: string; use: string }[] };
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.app.keys.kid, ts.server.app.keys.kid]);
    expect(jwks.keys.every((k) => k.alg === 'EdDSA' && k.use === 'sig' && !('d' in k))).toBe(true);
    expect(jwks.keys[1]!.x).toBe((createPublicKey(OLD.publicPem).export({ format: 'jwk' }) as { x: string }).x);
  });

  it('R17 a token signed with the old key is accepted after the rotation, and only because the old key is published', async () => {
    const old = await signIn(ts, email);
    expect(decodeProtectedHeader(old.accessToken).kid).toBe(ts.server.app.keys.kid);
    expect(await viewer(rotated.url, old.accessToken)).toBe(email);
    expect(await viewer(unrotated.url, old.accessToken)).toBeNull();
    // An integrator verifying against the published JWKS accepts it too.
    const { payload } = await jwtVerify(old.accessToken, createRemoteJWKSet(new URL(`${rotated.url}/.well-known/jwks.json`)), { issuer: ts.config.jwt.issuer, audience: 'gatehouse' });
    expect(payload.sub).toBeTruthy();
  });

  it('R17 new tokens are signed with the new key and accepted by every replica that has it', async () => {
    const res = await fetch(`${rotated.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthPayload { accessToken } } }`, variables: { e: email, p: 'correct-horse-battery-9' } }),
    });
    const token = ((await res.json()) as { data: { signIn: { accessToken: string } } }).data.signIn.accessToken;
    expect(decodeProtectedHeader(token).kid).toBe(rotated.app.keys.kid);
    expect(await viewer(unrotated.url, token)).toBe(email);
    // The server still signing with the old key does not know the new one: replicas must all rotate.
    expect(await viewer(ts.url, token)).toBeNull();
  });
});

describe('configuration schema', () => {
  it('every variable keeps its name and default; the new ones default sensibly', () => {
    // toMatchObject: settings other modules add (webhooks, …) have their own tests.
    expect(loadConfig({}, '/srv')).toMatchObject({
      env: 'development',
      port: 4000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:4000',
      databaseUrl: undefined,
      migrationDatabaseUrl: undefined,
      migrate: true,
      databasePoolMax: 10,
      databasePreparedStatements: true,
      dataDir: '/srv/.data',
      preset: 'gatehouse',
      jwt: { issuer: 'http://localhost:4000', audience: 'gatehouse', privateKeyPem: undefined, previousPublicKeysPem: [], accessTokenTtlSeconds: 900 },
      refreshTokenTtlDays: 30,
      invitationTtlDays: 7,
      smtpUrl: undefined,
      mailFrom: 'Gatehouse <no-reply@gatehouse.local>',
      graphiql: true,
      logLevel: 'info',
      trustProxy: false,
      maxBodyBytes: 262_144,
      corsOrigins: [],
      shutdown: { drainSeconds: 0, timeoutSeconds: 20 },
      bootstrap: { adminEmail: 'admin@gatehouse.local', organizationName: 'Acme', organizationSlug: 'acme' },
    });
  });

  it('production drains for 10 s by default and turns GraphiQL off; tests are silent and do not drain', () => {
    const prod = loadConfig({ NODE_ENV: 'production', JWT_PRIVATE_KEY: KEY.pem }, '/srv');
    expect(prod.shutdown).toEqual({ drainSeconds: 10, timeoutSeconds: 30 });
    expect(prod.graphiql).toBe(false);
    const test = loadConfig({ NODE_ENV: 'test' }, '/srv');
    expect(test.shutdown.drainSeconds).toBe(0);
    expect(test.logLevel).toBe('silent');
  });

  it('values are trimmed, blank counts as unset, and the pool, drain and deadline are read', () => {
    const config = loadConfig({ PORT: ' 8080 ', HOST: '', DATABASE_POOL_MAX: '4', DRAIN_SECONDS: '15', SHUTDOWN_TIMEOUT_SECONDS: '40', GATEHOUSE_ADMIN_EMAIL: 'Ops@Example.COM', TRUST_PROXY: 'YES' }, '/srv');
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', databasePoolMax: 4, shutdown: { drainSeconds: 15, timeoutSeconds: 40 }, trustProxy: true, bootstrap: { adminEmail: 'ops@example.com' } });
  });

  it.each([
    ['DATABASE_POOL_MAX', '0', /^DATABASE_POOL_MAX must be a whole number from 1 to 1000 \(got "0"\)/],
    ['DATABASE_POOL_MAX', 'ten', /^DATABASE_POOL_MAX must be a whole number/],
    ['DATABASE_POOL_MAX', '2.5', /^DATABASE_POOL_MAX must be a whole number/],
    ['DRAIN_SECONDS', '-1', /^DRAIN_SECONDS must be a whole number from 0 to 300/],
    ['SHUTDOWN_TIMEOUT_SECONDS', '0', /^SHUTDOWN_TIMEOUT_SECONDS must be a whole number from 1 to 900/],
    ['NODE_ENV', 'staging', /^NODE_ENV must be one of development, production, test \(got "staging"\)/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    ['GATEHOUSE_PRESET', 'nope', /^GATEHOUSE_PRESET must be one of /],
    ['DATABASE_URL', 'mysql://x', /^DATABASE_URL must be a postgres: or postgresql: URL \(got "mysql:"\)/],
    ['DATABASE_URL', 'not a url', /^DATABASE_URL is not a valid URL/],
    ['PUBLIC_URL', 'ftp://x', /^PUBLIC_URL must be a http: or https: URL/],
    ['GRAPHIQL', 'maybe', /^GRAPHIQL must be true or false \(got "maybe"\)/],
    ['GATEHOUSE_ADMIN_EMAIL', 'admin', /^GATEHOUSE_ADMIN_EMAIL is not an email address/],
    ['GATEHOUSE_ORG_SLUG', 'Acme Inc', /^GATEHOUSE_ORG_SLUG must be 1–48 lowercase letters/],
    ['CORS_ORIGINS', 'https://a.example/path', /^CORS_ORIGINS must list exact origins/],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    const env: Record<string, string> = { [name]: value };
    // DATABASE_URL alone would also ask for a key; give one so only the tested value is wrong.
    if (name === 'DATABASE_URL') env.JWT_PRIVATE_KEY = KEY.pem;
    expect(problemsOf(env)).toEqual([expect.stringMatching(message)]);
  });

  it('the deadline must leave room for the drain; MIGRATION_DATABASE_URL needs DATABASE_URL', () => {
    expect(problemsOf({ DRAIN_SECONDS: '30', SHUTDOWN_TIMEOUT_SECONDS: '30' })).toEqual(['SHUTDOWN_TIMEOUT_SECONDS must be longer than the drain period (DRAIN_SECONDS = 30)']);
    expect(problemsOf({ NODE_ENV: 'production', JWT_PRIVATE_KEY: KEY.pem, SHUTDOWN_TIMEOUT_SECONDS: '5' })).toEqual(['SHUTDOWN_TIMEOUT_SECONDS must be longer than the drain period (DRAIN_SECONDS = 10)']);
    expect(problemsOf({ MIGRATION_DATABASE_URL: PG_URL })).toEqual(['MIGRATION_DATABASE_URL needs DATABASE_URL (the embedded database has one user)']);
  });

  it('read replicas: off by default; a list of postgres URLs, a lag bound in seconds and a pool; they need DATABASE_URL', () => {
    expect(loadConfig({}, '/srv').databaseReplicas).toEqual({ urls: [], maxLagSeconds: 5, poolMax: 10 });
    const config = loadConfig({ DATABASE_URL: PG_URL, JWT_PRIVATE_KEY: KEY.pem, DATABASE_POOL_MAX: '6', DATABASE_REPLICA_URLS: ' postgres://r1.internal/gatehouse , postgresql://r2.internal/gatehouse ', DATABASE_REPLICA_MAX_LAG: '2.5' }, '/srv');
    expect(config.databaseReplicas).toEqual({ urls: ['postgres://r1.internal/gatehouse', 'postgresql://r2.internal/gatehouse'], maxLagSeconds: 2.5, poolMax: 6 });
    expect(loadConfig({ DATABASE_URL: PG_URL, JWT_PRIVATE_KEY: KEY.pem, DATABASE_REPLICA_POOL_MAX: '3' }, '/srv').databaseReplicas.poolMax).toBe(3);
    const withDb = { DATABASE_URL: PG_URL, JWT_PRIVATE_KEY: KEY.pem };
    expect(problemsOf({ DATABASE_REPLICA_URLS: 'postgres://r1.internal/gatehouse' })).toEqual(['DATABASE_REPLICA_URLS needs DATABASE_URL (read replicas are replicas of a PostgreSQL primary)']);
    // A refused URL is echoed without its password.
    expect(problemsOf({ ...withDb, DATABASE_REPLICA_URLS: 'postgres://r1/g,mysql://u:secret@r2/g' })).toEqual(['DATABASE_REPLICA_URLS must list postgres:// URLs, comma-separated (got "mysql://…@r2/g")']);
    expect(problemsOf({ ...withDb, DATABASE_REPLICA_MAX_LAG: '0' })).toEqual(['DATABASE_REPLICA_MAX_LAG must be a number of seconds from 0.5 to 3600 (got "0")']);
    expect(problemsOf({ ...withDb, DATABASE_REPLICA_MAX_LAG: '1e3' })).toEqual([expect.stringMatching(/^DATABASE_REPLICA_MAX_LAG must be a number of seconds/)]);
    expect(problemsOf({ ...withDb, DATABASE_REPLICA_POOL_MAX: '0' })).toEqual([expect.stringMatching(/^DATABASE_REPLICA_POOL_MAX must be a whole number from 1 to 1000/)]);
  });

  it('several bad values are all named in one error', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_POOL_MAX: '0', DRAIN_SECONDS: 'soon', NODE_ENV: 'staging' });
    for (const name of ['PORT', 'DATABASE_POOL_MAX', 'DRAIN_SECONDS', 'NODE_ENV']) expect(problems.join('\n')).toContain(name);
  });
});
