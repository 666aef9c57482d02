import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { App } from './context.ts';
import { emOf } from './db/orm.ts';
import { builder, rowOf } from './db/kysely.ts';
import { User } from './modules/users/user.entity.ts';
import { createOrganization } from './modules/organizations/organization.service.ts';
import { generateTemporaryPassword, hashPassword } from './auth/passwords.ts';
import { recordAudit } from './modules/audit/audit.service.ts';

/** Advisory lock key of the bootstrap transaction (any fixed number; see db/orm.ts STARTUP_LOCK_KEY). */
const BOOTSTRAP_LOCK_KEY = 7_347_201_162;

/**
 * First start on an empty database: a platform admin with a one-time password (changed at first
 * sign-in) and a first organization they own. Returns the password so the caller can print it once.
 * One transaction that first takes a transaction-level advisory lock and counts again: replicas
 * started together on an empty database create exactly one admin, and a failure leaves nothing half made.
 */
export async function bootstrapIfEmpty(app: App, config: Config, log: Logger): Promise<{ email: string; password: string } | null> {
  const em = emOf(app.orm);
  if ((await em.count(User, {})) > 0) return null;
  // Hashed before the transaction: argon2 is slow on purpose and needs no lock.
  const password = generateTemporaryPassword();
  const passwordHash = await hashPassword(password);
  const system = { userId: null, label: 'system' };
  const admin = await em.transactional(async (tx) => {
    await rowOf(tx, builder.selectNoFrom((eb) => eb.fn<void>('pg_advisory_xact_lock', [eb.cast(eb.val(BOOTSTRAP_LOCK_KEY), 'bigint')]).as('locked')));
    if ((await tx.count(User, {})) > 0) return null;
    const user = tx.create(User, {
      id: crypto.randomUUID(),
      email: config.bootstrap.adminEmail,
      firstName: 'Platform',
      lastName: 'Admin',
      passwordHash,
      mustChangePassword: true,
      isPlatformAdmin: true,
      // Named by the operator's configuration: the one address proven by whoever runs Gatehouse.
      emailVerifiedAt: new Date(),
    });
    recordAudit(tx, system, { orgId: null, action: 'user.created', target: { type: 'User', id: user.id, label: user.email }, after: { email: user.email, isPlatformAdmin: true } });
    await tx.flush();
    await createOrganization(tx, system, app.preset, {
      name: config.bootstrap.organizationName,
      slug: config.bootstrap.organizationSlug,
      ownerUserId: user.id,
    });
    return user;
  });
  if (!admin) return null;
  log.info({ email: admin.email, organization: config.bootstrap.organizationSlug }, 'created the platform admin and first organization');
  return { email: admin.email, password };
}
