import { transaction } from '../../db/retry.ts';
import { rows } from '../../db/sql.ts';
import type { Preset } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { inTransaction, type Acting } from '../../acting.ts';
import { AuthError, ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';
import { recordAudit, type Actor } from '../audit/audit.service.ts';
import { User } from '../users/user.entity.ts';
import { Membership } from '../memberships/membership.entity.ts';
import { createBuiltinRoles, topRoleKey } from '../roles/role.service.ts';
import { Organization } from './organization.entity.ts';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

export function organizationIssues(input: { name?: string | null; slug?: string | null }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (input.name !== undefined && input.name !== null) {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) issues.push({ path: ['name'], message: 'Use 1 to 100 characters' });
  }
  if (input.slug !== undefined && input.slug !== null && !SLUG_PATTERN.test(input.slug)) {
    issues.push({ path: ['slug'], message: 'Use 1–48 lowercase letters, digits or dashes, not starting or ending with a dash' });
  }
  return issues;
}

export function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'org';
}

/** Creates an organization with the preset's built-in roles; the first owner gets the top role. */
export async function createOrganization(
  em: Em,
  actor: Actor,
  preset: Preset,
  input: { name: string; slug?: string | null; ownerUserId?: string | null },
  /** How the creator was allowed (organization.creation.ts), written in the audit event. */
  context: { creationPolicy?: string; creationLimit?: { limit: number; owned: number } } = {},
): Promise<Organization> {
  const slug = input.slug ?? slugify(input.name);
  const issues = organizationIssues({ name: input.name, slug });
  if (issues.length) throw new ValidationError(issues);
  return transaction(em, async (tx) => {
    if (await tx.count(Organization, { slug })) throw new ConflictError(`The slug "${slug}" is taken`, ['slug']);
    const org = tx.create(Organization, { id: crypto.randomUUID(), slug, name: input.name.trim() });
    const roles = createBuiltinRoles(tx, org, preset);
    let ownerEmail: string | undefined;
    if (input.ownerUserId) {
      const owner = await tx.findOneOrFail(User, { id: input.ownerUserId });
      ownerEmail = owner.email;
      const membership = tx.create(Membership, { id: crypto.randomUUID(), organization: org, user: owner, addedById: actor.userId });
      membership.roles.add(roles.find((r) => r.key === topRoleKey(preset))!);
    }
    recordAudit(tx, actor, {
      orgId: org.id,
      action: 'organization.created',
      target: { type: 'Organization', id: org.id, label: org.slug },
      after: { name: org.name, slug: org.slug, owner: ownerEmail ?? null, ...(context.creationPolicy ? { creationPolicy: context.creationPolicy } : {}), ...(context.creationLimit ? { creationLimit: context.creationLimit } : {}) },
    });
    await tx.flush();
    return org;
  });
}

/** Rename or change the slug (org:update). */
export async function updateOrganization(em: Em, acting: Acting, orgId: string, input: { name?: string | null; slug?: string | null }): Promise<Organization> {
  const issues = organizationIssues(input);
  if (issues.length) throw new ValidationError(issues.map((i) => ({ ...i, path: ['input', ...i.path] })));
  return inTransaction(em, acting, async (tx) => {
    const org = await lockVisible(acting, tx, orgId);
    requirePermission(await permissionsAfterLock(tx, org.id, acting.user!), 'org:update');
    if (input.slug && input.slug !== org.slug) {
      if ((await rows(tx, `select 1 from organization where slug = $1 and id <> $2`, [input.slug, org.id])).length) {
        throw new ConflictError(`The slug "${input.slug}" is taken`, ['input', 'slug']);
      }
    }
    const next = { name: input.name?.trim() ?? org.name, slug: input.slug ?? org.slug };
    const before = { name: org.name, slug: org.slug };
    // The row is locked (lockOrganization): the unit of work's update at flush touches exactly it.
    tx.assign(org, next);
    recordAudit(tx, acting.actor, {
      orgId: org.id,
      action: 'organization.updated',
      target: { type: 'Organization', id: org.id, label: next.slug },
      before,
      after: next,
    });
    return org;
  });
}

/** R10, R15: platform admins enable or disable an organization; members of a disabled one are blocked. */
export async function setOrganizationStatus(em: Em, acting: Acting, orgId: string, status: 'ACTIVE' | 'DISABLED'): Promise<Organization> {
  if (!acting.user?.isPlatformAdmin) throw new AuthError('FORBIDDEN', 'Only platform admins can do this');
  return inTransaction(em, acting, async (tx) => {
    const org = await lockVisible(acting, tx, orgId);
    if (org.status === status) return org;
    const before = { status: org.status };
    org.status = status;
    recordAudit(tx, acting.actor, {
      orgId: org.id,
      action: status === 'DISABLED' ? 'organization.disabled' : 'organization.enabled',
      target: { type: 'Organization', id: org.id, label: org.slug },
      before,
      after: { status },
    });
    return org;
  });
}

/** Deletes an organization with its memberships and roles (org:delete); the slug must be typed to confirm. */
export async function deleteOrganization(em: Em, acting: Acting, orgId: string, confirmSlug: string): Promise<string> {
  return inTransaction(em, acting, async (tx) => {
    const org = await lockVisible(acting, tx, orgId);
    requirePermission(await permissionsAfterLock(tx, org.id, acting.user!), 'org:delete');
    if (confirmSlug !== org.slug) throw ValidationError.field('confirmSlug', `Type "${org.slug}" to confirm`);
    // Locked, so deleted exactly at flush; its memberships, roles and the rest go by the foreign keys' cascade.
    tx.remove(org);
    recordAudit(tx, acting.actor, {
      orgId: org.id,
      action: 'organization.deleted',
      target: { type: 'Organization', id: org.id, label: org.slug },
      before: { name: org.name, slug: org.slug },
    });
    return org.id;
  });
}

async function lockVisible(acting: Acting, tx: Em, orgId: string) {
  if (!acting.user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  if (!isUuid(orgId)) throw new NotFoundError('Organization');
  const readable = await acting.orgIdsWith('org:read');
  if (readable !== 'all' && !readable.includes(orgId)) throw new NotFoundError('Organization');
  return lockOrganization(tx, orgId);
}
