import { createPrivateKey, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import proxyaddr from 'proxy-addr';
import { PERMISSION_KEYS, PRESET_KEYS } from '@gatehouse/permissions';

// Everything Gatehouse reads from the environment, parsed once at start by one schema (zod): each
// variable is trimmed (blank counts as unset), checked, and every problem is reported at once, each
// naming its variable. The Config type is inferred from the schema, so a setting exists in one place.

const ENVIRONMENTS = ['development', 'production', 'test'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const trimmed = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** One environment variable: trimmed, and optional (a blank value counts as unset; defaults come later). */
const variable = <T extends z.ZodType>(schema: T) => z.preprocess(trimmed, schema.optional());

const wholeNumber = (min: number, max: number) =>
  z.string().transform((raw, ctx) => {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${raw}")` });
    return z.NEVER;
  });

const proxyTrust = z.string().transform((raw, ctx): boolean | string[] => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  const list = value.split(',').map((item) => item.trim()).filter(Boolean);
  try {
    proxyaddr.compile(list);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `must be true, false or a list of addresses, CIDR ranges, loopback, linklocal, uniquelocal (${(error as Error).message})` });
    return z.NEVER;
  }
  return list;
});

const flag = z.string().transform((raw, ctx) => {
  const value = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  ctx.addIssue({ code: 'custom', message: `must be true or false (got "${raw}")` });
  return z.NEVER;
});

const urlOf = (protocols: string[]) =>
  z.string().superRefine((raw, ctx) => {
    if (!URL.canParse(raw)) return void ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
    const { protocol } = new URL(raw);
    if (!protocols.includes(protocol)) ctx.addIssue({ code: 'custom', message: `must be a ${protocols.join(' or ')} URL (got "${protocol}")` });
  });

/** Exact origins only: scheme, host and optional port, no path, no wildcard, no "null". */
const origins = z.string().transform((raw, ctx) => {
  const list = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of list) {
    const origin = URL.canParse(o) && /^https?:$/.test(new URL(o).protocol) && !o.includes('*') ? new URL(o).origin : undefined;
    if (origin !== o) ctx.addIssue({ code: 'custom', message: `must list exact origins like https://app.example.com, comma-separated (got "${o}")` });
  }
  return list;
});

/** Comma-separated PostgreSQL URLs (read replicas). */
const postgresUrls = z.string().transform((raw, ctx) => {
  const list = raw.split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of list) {
    const protocol = URL.canParse(u) ? new URL(u).protocol : undefined;
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') ctx.addIssue({ code: 'custom', message: `must list postgres:// URLs, comma-separated (got "${u.replace(/\/\/[^@/]*@/, '//…@')}")` });
  }
  return list;
});

/** Seconds, fractions allowed ("2.5"). */
const seconds = (min: number, max: number) =>
  z.string().transform((raw, ctx) => {
    const n = Number(raw);
    if (/^\d+(\.\d+)?$/.test(raw) && n >= min && n <= max) return n;
    ctx.addIssue({ code: 'custom', message: `must be a number of seconds from ${min} to ${max} (got "${raw}")` });
    return z.NEVER;
  });

/** A list known to hold at least one value, checked where a cast would only assert it. */
function nonEmpty<T extends string>(values: readonly T[]): readonly [T, ...T[]] {
  const [first, ...rest] = values;
  if (first === undefined) throw new Error('an empty list of choices');
  return [first, ...rest];
}

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(', ')} (got "${String(issue.input)}")` });

const pemBlocks = (raw: string, label: string) => raw.replace(/\\n/g, '\n').match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g')) ?? [];

/** PKCS#8 PEM of an Ed25519 key (literal "\n" accepted, as some secret stores flatten newlines). */
const ed25519PrivateKey = z.string().transform((raw, ctx) => {
  const [pem] = pemBlocks(raw, 'PRIVATE KEY');
  if (pem && isEd25519(() => createPrivateKey(pem))) return `${pem}\n`;
  ctx.addIssue({ code: 'custom', message: 'must be the PKCS#8 PEM of an Ed25519 key ("-----BEGIN PRIVATE KEY-----"; openssl genpkey -algorithm ed25519)' });
  return z.NEVER;
});

/** Public keys of earlier signing keys, published in the JWKS so their tokens verify until they expire. */
const ed25519PublicKeys = z.string().transform((raw, ctx) => {
  const blocks = pemBlocks(raw, 'PUBLIC KEY');
  if (blocks.length > 0 && blocks.every((pem) => isEd25519(() => createPublicKey(pem)))) return blocks.map((pem) => `${pem}\n`);
  ctx.addIssue({ code: 'custom', message: 'must be one or more SPKI PEM Ed25519 public keys ("-----BEGIN PUBLIC KEY-----"; openssl pkey -in old.pem -pubout)' });
  return z.NEVER;
});

function isEd25519(load: () => { asymmetricKeyType?: string }): boolean {
  try {
    return load().asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

const environmentSchema = z
  .object({
    NODE_ENV: variable(oneOf(ENVIRONMENTS)),
    PORT: variable(wholeNumber(0, 65535)),
    HOST: variable(z.string()),
    /** Public URL of the SPA, used in mail links. */
    PUBLIC_URL: variable(urlOf(['http:', 'https:'])),
    /** PostgreSQL URL; when absent the embedded PGlite database in GATEHOUSE_DATA_DIR is used. */
    DATABASE_URL: variable(urlOf(['postgres:', 'postgresql:'])),
    /** PostgreSQL URL used only to run migrations (the schema owner). */
    MIGRATION_DATABASE_URL: variable(urlOf(['postgres:', 'postgresql:'])),
    /** PostgreSQL URL of the live-access listener (LISTEN needs a session: direct, not through PgBouncer in transaction mode). */
    DATABASE_LISTEN_URL: variable(urlOf(['postgres:', 'postgresql:'])),
    GATEHOUSE_MIGRATE: variable(flag),
    /** Connections each process may open to PostgreSQL. */
    DATABASE_POOL_MAX: variable(wholeNumber(1, 1000)),
    /** Named prepared statements on the hot paths; false behind PgBouncer in transaction mode before 1.21. */
    DATABASE_PREPARED_STATEMENTS: variable(flag),
    /** Streaming replicas for reads where staleness is harmless (db/replicas.ts); none by default. */
    DATABASE_REPLICA_URLS: variable(postgresUrls),
    /** Most staleness accepted from a replica, in seconds; a replica further behind is not read. */
    DATABASE_REPLICA_MAX_LAG: variable(seconds(0.5, 3600)),
    /** Connections each process may open to each replica. */
    DATABASE_REPLICA_POOL_MAX: variable(wholeNumber(1, 1000)),
    GATEHOUSE_DATA_DIR: variable(z.string()),
    GATEHOUSE_PRESET: variable(oneOf(nonEmpty(PRESET_KEYS))),
    JWT_ISSUER: variable(z.string()),
    JWT_AUDIENCE: variable(z.string()),
    JWT_PRIVATE_KEY: variable(ed25519PrivateKey),
    JWT_PREVIOUS_PUBLIC_KEYS: variable(ed25519PublicKeys),
    ACCESS_TOKEN_TTL_SECONDS: variable(wholeNumber(30, 3600)),
    REFRESH_TOKEN_TTL_DAYS: variable(wholeNumber(1, 365)),
    INVITATION_TTL_DAYS: variable(wholeNumber(1, 90)),
    SMTP_URL: variable(urlOf(['smtp:', 'smtps:'])),
    MAIL_FROM: variable(z.string()),
    GRAPHIQL: variable(flag),
    /** The direct path for plain JSON POSTs to /graphql (graphql/direct.ts); false sends every request through yoga's adapter. */
    GRAPHQL_DIRECT: variable(flag),
    LOG_LEVEL: variable(oneOf(LOG_LEVELS)),
    /**
     * Which proxies' X-Forwarded-For to believe: false (none, the default), true (the private
     * networks: loopback, link-local and unique-local addresses, where a balancer usually stands),
     * or a comma-separated list of addresses, CIDR ranges and those three names (proxy-addr).
     */
    TRUST_PROXY: variable(proxyTrust),
    MAX_BODY_BYTES: variable(wholeNumber(1024, 67_108_864)),
    CORS_ORIGINS: variable(origins),
    /** Seconds between SIGTERM (readiness turns 503) and closing the listener: the balancer's time to notice. */
    DRAIN_SECONDS: variable(wholeNumber(0, 300)),
    /** Hard deadline from SIGTERM to exit; in-flight requests still running then are cut off. */
    SHUTDOWN_TIMEOUT_SECONDS: variable(wholeNumber(1, 900)),
    /** Webhook deliveries (modules/webhooks): run the delivery worker in this process. */
    WEBHOOKS_WORKER: variable(flag),
    /** Allow webhook URLs that resolve to loopback, private or link-local addresses (SSRF guard off: tests, private networks). */
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: variable(flag),
    WEBHOOKS_TIMEOUT_SECONDS: variable(wholeNumber(1, 60)),
    WEBHOOKS_POLL_MILLISECONDS: variable(wholeNumber(50, 60_000)),
    /** Who may create organizations: platform-admins (default), signed-in (any account), or permission (holders of ORGANIZATION_CREATION_PERMISSION). */
    ORGANIZATION_CREATION: variable(oneOf(['platform-admins', 'signed-in', 'permission'] as const)),
    /** The permission that lets its holders (through a role in any active organization) create organizations; default organizations:create. */
    ORGANIZATION_CREATION_PERMISSION: variable(oneOf(nonEmpty(PERMISSION_KEYS))),
    /** The most organizations one account may own (hold the top role in) and still create another; platform admins are exempt. Default 10. */
    ORGANIZATION_CREATION_LIMIT: variable(wholeNumber(1, 100_000)),
    GATEHOUSE_ADMIN_EMAIL: variable(z.string().toLowerCase().regex(/^[^\s@]+@[^\s@]+$/, { error: 'is not an email address' })),
    GATEHOUSE_ORG_NAME: variable(z.string()),
    GATEHOUSE_ORG_SLUG: variable(z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, { error: 'must be 1–48 lowercase letters, digits or dashes' })),
  })
  .superRefine((e, ctx) => {
    const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
    // One key or no start: replicas on one database must sign with one key, and production must not
    // depend on a key file in a container's data directory.
    if (!e.JWT_PRIVATE_KEY && (e.NODE_ENV === 'production' || e.DATABASE_URL)) {
      problem('JWT_PRIVATE_KEY', 'is required in production and whenever DATABASE_URL is set, so every replica signs with the same key (openssl genpkey -algorithm ed25519)');
    }
    if (e.DATABASE_REPLICA_URLS?.length && !e.DATABASE_URL) problem('DATABASE_REPLICA_URLS', 'needs DATABASE_URL (read replicas are replicas of a PostgreSQL primary)');
    if (e.ORGANIZATION_CREATION_PERMISSION && e.ORGANIZATION_CREATION !== 'permission') {
      problem('ORGANIZATION_CREATION_PERMISSION', 'is only read with ORGANIZATION_CREATION=permission');
    }
    if (e.ORGANIZATION_CREATION_LIMIT !== undefined && e.ORGANIZATION_CREATION !== 'signed-in' && e.ORGANIZATION_CREATION !== 'permission') {
      problem('ORGANIZATION_CREATION_LIMIT', 'is only read with ORGANIZATION_CREATION=signed-in or permission (platform admins have no limit)');
    }
    if (e.MIGRATION_DATABASE_URL && !e.DATABASE_URL) problem('MIGRATION_DATABASE_URL', 'needs DATABASE_URL (the embedded database has one user)');
    if (e.DATABASE_LISTEN_URL && !e.DATABASE_URL) problem('DATABASE_LISTEN_URL', 'needs DATABASE_URL (the embedded database notifies in process)');
    const drain = e.DRAIN_SECONDS ?? defaultDrainSeconds(e.NODE_ENV);
    if (e.SHUTDOWN_TIMEOUT_SECONDS !== undefined && e.SHUTDOWN_TIMEOUT_SECONDS <= drain) {
      problem('SHUTDOWN_TIMEOUT_SECONDS', `must be longer than the drain period (DRAIN_SECONDS = ${drain})`);
    }
  });

/** Production waits for the balancer to see /readyz turn 503; development and tests stop at once. */
const defaultDrainSeconds = (env: string | undefined) => (env === 'production' ? 10 : 0);

const configSchema = (cwd: string) =>
  environmentSchema.transform((e) => {
    const env = e.NODE_ENV ?? 'development';
    const port = e.PORT ?? 4000;
    const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
    const drainSeconds = e.DRAIN_SECONDS ?? defaultDrainSeconds(env);
    return {
      env,
      port,
      host: e.HOST ?? '0.0.0.0',
      /** Public URL of the SPA, used in mail links. */
      publicUrl,
      /** PostgreSQL URL; when absent the embedded PGlite database in `dataDir` is used. */
      databaseUrl: e.DATABASE_URL,
      /** PostgreSQL URL used only to run migrations (the schema owner), when the server's role may not change the schema. */
      migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
      /** PostgreSQL URL the live-access listener connects to (DATABASE_LISTEN_URL, default DATABASE_URL; R25). */
      databaseListenUrl: e.DATABASE_LISTEN_URL ?? e.DATABASE_URL,
      /** Apply pending migrations at start (GATEHOUSE_MIGRATE, default true). */
      migrate: e.GATEHOUSE_MIGRATE ?? true,
      /** Most connections one process opens to PostgreSQL (DATABASE_POOL_MAX, default 10). */
      databasePoolMax: e.DATABASE_POOL_MAX ?? 10,
      /** Prepare the hot paths' statements once per connection (DATABASE_PREPARED_STATEMENTS, default true). */
      databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS ?? true,
      /** Read replicas (DATABASE_REPLICA_URLS, DATABASE_REPLICA_MAX_LAG default 5 s, DATABASE_REPLICA_POOL_MAX default the pool's size). */
      databaseReplicas: {
        urls: e.DATABASE_REPLICA_URLS ?? [],
        maxLagSeconds: e.DATABASE_REPLICA_MAX_LAG ?? 5,
        poolMax: e.DATABASE_REPLICA_POOL_MAX ?? e.DATABASE_POOL_MAX ?? 10,
      },
      dataDir: path.resolve(cwd, e.GATEHOUSE_DATA_DIR ?? '.data'),
      preset: e.GATEHOUSE_PRESET ?? 'gatehouse',
      jwt: {
        issuer: e.JWT_ISSUER ?? publicUrl,
        audience: e.JWT_AUDIENCE ?? 'gatehouse',
        /** PKCS#8 PEM of an Ed25519 key; when absent (PGlite development only) a key is generated and kept in `dataDir`. */
        privateKeyPem: e.JWT_PRIVATE_KEY,
        /** SPKI PEMs of earlier signing keys, still published in the JWKS (rotation). */
        previousPublicKeysPem: e.JWT_PREVIOUS_PUBLIC_KEYS ?? [],
        accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS ?? 900,
      },
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS ?? 30,
      invitationTtlDays: e.INVITATION_TTL_DAYS ?? 7,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM ?? 'Gatehouse <no-reply@gatehouse.local>',
      graphiql: e.GRAPHIQL ?? env !== 'production',
      graphqlDirect: e.GRAPHQL_DIRECT ?? true,
      logLevel: e.LOG_LEVEL ?? (env === 'test' ? 'silent' : 'info'),
      trustProxy: e.TRUST_PROXY ?? false,
      /** Largest request body accepted, in bytes (counted while reading; 413 above). */
      maxBodyBytes: e.MAX_BODY_BYTES ?? 262_144,
      /** Exact origins allowed to call /graphql from a browser with credentials (CORS); empty = same origin only. */
      corsOrigins: e.CORS_ORIGINS ?? [],
      /** Graceful shutdown (http/shutdown.ts): drain period, then the hard deadline. */
      shutdown: {
        drainSeconds,
        timeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS ?? drainSeconds + 20,
      },
      webhooks: {
        // Off by default in tests, so other suites' statement counts never see a worker's poll.
        worker: e.WEBHOOKS_WORKER ?? env !== 'test',
        allowPrivateAddresses: e.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES ?? false,
        timeoutSeconds: e.WEBHOOKS_TIMEOUT_SECONDS ?? 10,
        pollMilliseconds: e.WEBHOOKS_POLL_MILLISECONDS ?? 1000,
      },
      /** Who may create organizations (docs/operations.md); the creator gets the preset's top role. */
      organizationCreation: {
        policy: e.ORGANIZATION_CREATION ?? 'platform-admins',
        permission: e.ORGANIZATION_CREATION_PERMISSION ?? 'organizations:create',
      },
      /** Organizations one account may own and still create another (signed-in and permission policies), organization.creation.ts. */
      organizationCreationLimit: e.ORGANIZATION_CREATION_LIMIT ?? 10,
      /** Bootstrap account created on first start. */
      bootstrap: {
        adminEmail: e.GATEHOUSE_ADMIN_EMAIL ?? 'admin@gatehouse.local',
        organizationName: e.GATEHOUSE_ORG_NAME ?? 'Acme',
        organizationSlug: e.GATEHOUSE_ORG_SLUG ?? 'acme',
      },
    };
  });

export type Config = z.output<ReturnType<typeof configSchema>>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const parsed = configSchema(cwd).safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
}
