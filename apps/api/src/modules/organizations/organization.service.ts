import type { Preset } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { ConflictError, ValidationError, type FieldIssue } from '../../errors.ts';
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
): Promise<Organization> {
  const slug = input.slug ?? slugify(input.name);
  const issues = organizationIssues({ name: input.name, slug });
  if (issues.length) throw new ValidationError(issues);
  return em.transactional(async (tx) => {
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
      after: { name: org.name, slug: org.slug, owner: ownerEmail ?? null },
    });
    await tx.flush();
    return org;
  });
}
