import path from 'node:path';
import { PRESET_KEYS } from '@gatehouse/permissions';

/** Everything Gatehouse reads from the environment, validated once at start. */
export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Public URL of the SPA, used in mail links. */
  publicUrl: string;
  /** PostgreSQL URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  /** PostgreSQL URL used only to run migrations (the schema owner), when the server's role may not change the schema. */
  migrationDatabaseUrl: string | undefined;
  /** Apply pending migrations at start (GATEHOUSE_MIGRATE, default true). */
  migrate: boolean;
  dataDir: string;
  preset: string;
  jwt: {
    issuer: string;
    audience: string;
    /** PKCS#8 PEM of an Ed25519 key; when absent a key is generated and kept in `dataDir`. */
    privateKeyPem: string | undefined;
    accessTokenTtlSeconds: number;
  };
  refreshTokenTtlDays: number;
  invitationTtlDays: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  graphiql: boolean;
  logLevel: string;
  trustProxy: boolean;
  /** Largest request body accepted, in bytes (counted while reading; 413 above). */
  maxBodyBytes: number;
  /** Exact origins allowed to call /graphql from a browser with credentials (CORS); empty = same origin only. */
  corsOrigins: string[];
  /** Bootstrap account created on first start. */
  bootstrap: { adminEmail: string; organizationName: string; organizationSlug: string };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? fallback : v;
  };
  const optional = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = optional(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean) => {
    const raw = optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, fallback: string | undefined, protocols: string[]) => {
    const raw = optional(name) ?? fallback;
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${u.protocol}")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };
  const origins = (name: string) => {
    const list = (optional(name) ?? '').split(',').map((o) => o.trim()).filter(Boolean);
    for (const o of list) {
      // Exact origins only: scheme, host and optional port, no path, no wildcard, no "null".
      const origin = URL.canParse(o) && /^https?:$/.test(new URL(o).protocol) && !o.includes('*') ? new URL(o).origin : undefined;
      if (origin !== o) {
        problems.push(`${name} must list exact origins like https://app.example.com, comma-separated (got "${o}")`);
      }
    }
    return list;
  };

  const nodeEnv = str('NODE_ENV', 'development');
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, production or test (got "${nodeEnv}")`);
  }
  const env_ = (['development', 'production', 'test'].includes(nodeEnv) ? nodeEnv : 'development') as Config['env'];
  const port = int('PORT', 4000, 0, 65535);
  const publicUrl = url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:'])!;
  const preset = str('GATEHOUSE_PRESET', 'gatehouse');
  if (!PRESET_KEYS.includes(preset)) {
    problems.push(`GATEHOUSE_PRESET must be one of ${PRESET_KEYS.join(', ')} (got "${preset}")`);
  }
  const privateKeyPem = optional('JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  if (privateKeyPem !== undefined && !privateKeyPem.includes('BEGIN PRIVATE KEY')) {
    problems.push('JWT_PRIVATE_KEY must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")');
  }
  const adminEmail = str('GATEHOUSE_ADMIN_EMAIL', 'admin@gatehouse.local').toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail)) problems.push(`GATEHOUSE_ADMIN_EMAIL is not an email address`);
  const orgSlug = str('GATEHOUSE_ORG_SLUG', 'acme');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(orgSlug)) {
    problems.push('GATEHOUSE_ORG_SLUG must be 1–48 lowercase letters, digits or dashes');
  }

  const config: Config = {
    env: env_,
    port,
    host: str('HOST', '0.0.0.0'),
    publicUrl: publicUrl.replace(/\/$/, ''),
    databaseUrl: url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    migrationDatabaseUrl: url('MIGRATION_DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    migrate: bool('GATEHOUSE_MIGRATE', true),
    dataDir: path.resolve(cwd, str('GATEHOUSE_DATA_DIR', '.data')),
    preset,
    jwt: {
      issuer: str('JWT_ISSUER', publicUrl.replace(/\/$/, '')),
      audience: str('JWT_AUDIENCE', 'gatehouse'),
      privateKeyPem,
      accessTokenTtlSeconds: int('ACCESS_TOKEN_TTL_SECONDS', 900, 30, 3600),
    },
    refreshTokenTtlDays: int('REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    invitationTtlDays: int('INVITATION_TTL_DAYS', 7, 1, 90),
    smtpUrl: url('SMTP_URL', undefined, ['smtp:', 'smtps:']),
    mailFrom: str('MAIL_FROM', 'Gatehouse <no-reply@gatehouse.local>'),
    graphiql: bool('GRAPHIQL', env_ !== 'production'),
    logLevel: str('LOG_LEVEL', env_ === 'test' ? 'silent' : 'info'),
    trustProxy: bool('TRUST_PROXY', false),
    maxBodyBytes: int('MAX_BODY_BYTES', 262_144, 1024, 67_108_864),
    corsOrigins: origins('CORS_ORIGINS'),
    bootstrap: {
      adminEmail,
      organizationName: str('GATEHOUSE_ORG_NAME', 'Acme'),
      organizationSlug: orgSlug,
    },
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (config.migrationDatabaseUrl && !config.databaseUrl) problems.push('MIGRATION_DATABASE_URL needs DATABASE_URL (the embedded database has one user)');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
