// Development data: `pnpm seed` (node apps/api/scripts/seed.ts). Reads the same environment as
// main.ts (GATEHOUSE_DATA_DIR for the embedded PGlite database, or DATABASE_URL for PostgreSQL),
// runs the migrations, creates the platform admin and first organization when the database is
// empty (like a first start), then adds a few organizations, users and roles to click through.
// Idempotent: an organization whose slug already exists is left alone, users are matched by email.
//
// Every seeded user (not the bootstrap admin) gets the same, publicly known development password
// below. Refuses to run with NODE_ENV=production unless --force is given.
import pino from 'pino';
import { validateCustomRole, type Preset } from '@gatehouse/permissions';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { createApp } from '../src/server.ts';
import { bootstrapIfEmpty } from '../src/bootstrap.ts';
import { emOf, type Em } from '../src/db/orm.ts';
import { User } from '../src/modules/users/user.entity.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { createOrganization } from '../src/modules/organizations/organization.service.ts';
import { topRoleKey } from '../src/modules/roles/role.service.ts';
import { recordAudit, type Actor } from '../src/modules/audit/audit.service.ts';

/** Known to everyone who reads this file: development databases only. */
export const DEV_PASSWORD = 'gatehouse-dev-password';
const EMAIL_DOMAIN = 'gatehouse.test';

/** Role wishes by gatehouse-preset key; other presets fall back (see roleFor). */
type Wish = 'top' | 'admin' | 'manager' | 'developer' | 'viewer' | `custom:${string}`;

interface SeedUser {
  handle: string;
  firstName: string;
  lastName: string;
}
interface SeedMember {
  user: string;
  roles: Wish[];
  status?: 'ACTIVE' | 'DISABLED';
}
interface SeedOrg {
  slug: string;
  name: string;
  owner: string;
  status?: 'ACTIVE' | 'DISABLED';
  customRoles?: { name: string; description: string; permissions: string[] }[];
  members: SeedMember[];
}

const USERS: SeedUser[] = [
  { handle: 'alice', firstName: 'Alice', lastName: 'Anders' },
  { handle: 'bob', firstName: 'Bob', lastName: 'Brennan' },
  { handle: 'carol', firstName: 'Carol', lastName: 'Chen' },
  { handle: 'dave', firstName: 'Dave', lastName: 'Dubois' },
  { handle: 'erin', firstName: 'Erin', lastName: 'Eriksen' },
  { handle: 'frank', firstName: 'Frank', lastName: 'Fischer' },
  { handle: 'grace', firstName: 'Grace', lastName: 'Gupta' },
  { handle: 'heidi', firstName: 'Heidi', lastName: 'Hall' },
];

const ORGS: SeedOrg[] = [
  {
    slug: 'globex',
    name: 'Globex',
    owner: 'alice',
    customRoles: [
      { name: 'Auditor', description: 'Reads the organization, its members and the audit log.', permissions: ['org:read', 'members:read', 'audit:read'] },
      { name: 'Release manager', description: 'Deploys and reads logs.', permissions: ['org:read', 'deployments:read', 'deployments:create', 'logs:read'] },
    ],
    members: [
      { user: 'bob', roles: ['developer'] },
      { user: 'carol', roles: ['admin'] },
      { user: 'dave', roles: ['manager'] },
      { user: 'erin', roles: ['developer', 'custom:Release manager'] },
      { user: 'frank', roles: ['viewer'], status: 'DISABLED' },
      { user: 'heidi', roles: ['custom:Auditor'] },
    ],
  },
  {
    slug: 'initech',
    name: 'Initech',
    owner: 'bob',
    customRoles: [{ name: 'Support', description: 'Sees the member list.', permissions: ['org:read', 'members:read'] }],
    members: [
      { user: 'alice', roles: ['admin'] },
      { user: 'dave', roles: ['developer'], status: 'DISABLED' },
      { user: 'erin', roles: ['custom:Support'] },
      { user: 'grace', roles: ['viewer'] },
    ],
  },
  {
    slug: 'umbrella',
    name: 'Umbrella',
    owner: 'grace',
    status: 'DISABLED',
    members: [
      { user: 'carol', roles: ['viewer'] },
      { user: 'heidi', roles: ['manager'] },
    ],
  },
];

/** Also added to the bootstrap organization (GATEHOUSE_ORG_SLUG, acme by default) when it exists. */
const BOOTSTRAP_ORG_MEMBERS: SeedMember[] = [
  { user: 'alice', roles: ['admin'] },
  { user: 'bob', roles: ['viewer'] },
];

const emailOf = (handle: string) => `${handle}@${EMAIL_DOMAIN}`;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
if (config.env === 'production' && !process.argv.includes('--force')) {
  console.error('Refusing to seed development data with NODE_ENV=production (pass --force to do it anyway).');
  process.exit(1);
}

const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
const app = await createApp(config, log);
const preset = app.preset;
const actor: Actor = { userId: null, label: 'seed' };
const summary: string[] = [];
const userIds = new Map<string, string>();

try {
  const bootstrapped = await bootstrapIfEmpty(app, config, log);

  // Users: matched by email, created with one shared hash (argon2 is deliberately slow).
  const passwordHash = await hashPassword(DEV_PASSWORD);
  const createdUsers: string[] = [];
  await emOf(app.orm).transactional(async (tx) => {
    for (const u of USERS) {
      const email = emailOf(u.handle);
      const existing = await tx.execute<{ id: string }[]>(`select id from "user" where lower(email) = ?`, [email]);
      if (existing[0]) {
        userIds.set(u.handle, existing[0].id);
        continue;
      }
      const user = tx.create(User, { id: crypto.randomUUID(), email, firstName: u.firstName, lastName: u.lastName, passwordHash, mustChangePassword: false, emailVerifiedAt: new Date() });
      recordAudit(tx, actor, { orgId: null, action: 'user.created', target: { type: 'User', id: user.id, label: email }, after: { email, seeded: true } });
      userIds.set(u.handle, user.id);
      createdUsers.push(email);
    }
  });

  for (const spec of ORGS) {
    const em = emOf(app.orm);
    if ((await em.execute(`select 1 from organization where slug = ?`, [spec.slug])).length) {
      summary.push(`  ${spec.slug.padEnd(10)} exists, left alone`);
      continue;
    }
    await em.transactional(async (tx) => {
      const org = await createOrganization(tx, actor, preset, { name: spec.name, slug: spec.slug, ownerUserId: userIdOf(spec.owner) });
      const roleIds = await builtinRoleIds(tx, org.id);
      for (const role of spec.customRoles ?? []) {
        const id = await createCustomRole(tx, org.id, preset, role);
        if (id) roleIds.set(`custom:${role.name}`, id);
      }
      for (const m of spec.members) await addMember(tx, org.id, preset, roleIds, m);
      if (spec.status === 'DISABLED') {
        await tx.execute(`update organization set status = 'DISABLED' where id = ?`, [org.id]);
        recordAudit(tx, actor, { orgId: org.id, action: 'organization.disabled', target: { type: 'Organization', id: org.id, label: org.slug }, before: { status: 'ACTIVE' }, after: { status: 'DISABLED' } });
      }
    });
    summary.push(`  ${spec.slug.padEnd(10)} created${spec.status === 'DISABLED' ? ' (DISABLED org)' : ''}: owner ${emailOf(spec.owner)}, ${spec.members.length} more members, ${spec.customRoles?.length ?? 0} custom roles`);
  }

  // The bootstrap organization: add a couple of the seeded users when they are not members yet.
  const bootstrapOrg = (await emOf(app.orm).execute<{ id: string }[]>(`select id from organization where slug = ?`, [config.bootstrap.organizationSlug]))[0];
  if (bootstrapOrg) {
    let added = 0;
    await emOf(app.orm).transactional(async (tx) => {
      const roleIds = await builtinRoleIds(tx, bootstrapOrg.id);
      for (const m of BOOTSTRAP_ORG_MEMBERS) {
        const member = await tx.execute(`select 1 from membership where org_id = ? and user_id = ?`, [bootstrapOrg.id, userIdOf(m.user)]);
        if (member.length) continue;
        await addMember(tx, bootstrapOrg.id, preset, roleIds, m);
        added += 1;
      }
    });
    summary.push(`  ${config.bootstrap.organizationSlug.padEnd(10)} (bootstrap org) ${added ? `${added} seeded members added` : 'seeded members already there'}`);
  }

  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  const out = [`\nSeeded ${where}, preset ${preset.key}:`, ...summary];
  out.push(createdUsers.length ? `  users created: ${createdUsers.length}` : '  users: all existed already');
  out.push(`\nDevelopment users (password for all of them: ${DEV_PASSWORD}):`);
  for (const u of USERS) out.push(`  ${emailOf(u.handle)}`);
  if (bootstrapped) {
    out.push(`\nPlatform admin (created now, like a first start): ${bootstrapped.email}`);
    out.push(`  One-time password: ${bootstrapped.password} (must be changed at first sign-in)`);
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
} finally {
  app.mailer.close();
  await app.orm.close();
}

async function builtinRoleIds(tx: Em, orgId: string): Promise<Map<string, string>> {
  const rows = await tx.execute<{ id: string; key: string }[]>(`select id, key from role where org_id = ? and builtin`, [orgId]);
  return new Map(rows.map((r) => [r.key, r.id]));
}

/** The preset's role for a wish; presets without that key get the nearest one below the top role. */
function roleFor(wish: Wish, p: Preset, roleIds: Map<string, string>): string | undefined {
  if (wish.startsWith('custom:')) return roleIds.get(wish);
  const top = topRoleKey(p);
  if (wish === 'top') return roleIds.get(top);
  if (roleIds.has(wish) && wish !== top) return roleIds.get(wish);
  const below = p.roles.filter((r) => r.key !== top);
  const rank = ['admin', 'manager', 'developer', 'viewer'].indexOf(wish);
  const pick = below[Math.min(Math.max(rank, 0), below.length - 1)] ?? p.roles[p.roles.length - 1]!;
  return roleIds.get(pick.key);
}

async function addMember(tx: Em, orgId: string, p: Preset, roleIds: Map<string, string>, m: SeedMember) {
  const userId = userIdOf(m.user);
  let ids = [...new Set(m.roles.map((w) => roleFor(w, p, roleIds)).filter((id): id is string => Boolean(id)))];
  if (!p.policy.multipleRolesPerMembership) ids = ids.slice(0, 1);
  if (ids.length === 0) ids = [roleFor('viewer', p, roleIds)!];
  const membershipId = crypto.randomUUID();
  const status = m.status ?? 'ACTIVE';
  await tx.execute(`insert into membership (id, org_id, user_id, status) values (?, ?, ?, ?)`, [membershipId, orgId, userId, status]);
  for (const roleId of ids) await tx.execute(`insert into membership_role (membership_id, role_id) values (?, ?)`, [membershipId, roleId]);
  const keys = (await tx.execute<{ key: string }[]>(`select key from role where id in (${ids.map(() => '?').join(',')}) order by position, key`, ids)).map((r) => r.key);
  const target = { type: 'Membership', id: membershipId, label: emailOf(m.user) };
  recordAudit(tx, actor, { orgId, action: 'membership.granted', target, after: { roles: keys } });
  if (status === 'DISABLED') recordAudit(tx, actor, { orgId, action: 'membership.disabled', target, before: { status: 'ACTIVE' }, after: { status } });
}

function userIdOf(handle: string): string {
  const id = userIds.get(handle);
  if (!id) throw new Error(`seed: unknown user ${handle}`);
  return id;
}

/** Custom roles where the preset allows them (skipped, with a note, where it does not). */
async function createCustomRole(tx: Em, orgId: string, p: Preset, role: { name: string; description: string; permissions: string[] }): Promise<string | undefined> {
  const rows = await tx.execute<{ name: string; builtin: boolean }[]>(`select name, builtin from role where org_id = ?`, [orgId]);
  const issues = validateCustomRole(role, { existingNames: rows.map((r) => r.name), count: rows.filter((r) => !r.builtin).length, policy: p.policy });
  if (issues.length) {
    summary.push(`  (custom role "${role.name}" skipped: ${issues.map((i) => i.message).join(' ')})`);
    return undefined;
  }
  const id = crypto.randomUUID();
  const literal = `{${role.permissions.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  await tx.execute(
    `insert into role (id, org_id, key, name, description, permissions, builtin, position) values (?, ?, ?, ?, ?, ?, false, 1000)`,
    [id, orgId, `custom-${id.slice(0, 8)}`, role.name, role.description, literal],
  );
  recordAudit(tx, actor, { orgId, action: 'role.created', target: { type: 'Role', id, label: role.name }, after: role });
  return id;
}
