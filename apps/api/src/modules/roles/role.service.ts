import { checkGrant, validateCustomRole, type Preset } from '@gatehouse/permissions';
import { sql } from 'kysely';
import { inTransaction, type Acting } from '../../acting.ts';
import { GrantCeilingError, LimitExceededError, NotFoundError, PolicyError, RoleInUseError, ValidationError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';
import type { Em } from '../../db/orm.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Role } from './role.entity.ts';
import { anyOf, builder, execOf, rowOf, rowsOf } from '../../db/kysely.ts';

/** Creates the preset's built-in roles for a new organization (inside the caller's transaction). */
export function createBuiltinRoles(em: Em, org: Organization, preset: Preset): Role[] {
  return preset.roles.map((def, position) =>
    em.create(Role, {
      id: crypto.randomUUID(),
      organization: org,
      key: def.key,
      name: def.name,
      description: def.description,
      permissions: [...def.permissions],
      builtin: true,
      position,
    }),
  );
}

/**
 * At start, brings every org's built-in roles in line with the active preset: missing ones are added,
 * existing ones take the preset's name, description and permissions. Built-in roles the preset no
 * longer has are removed when nobody holds them; held ones stay, so no member silently loses access.
 */
export async function syncBuiltinRoles(em: Em, preset: Preset): Promise<void> {
  const definitions = preset.roles.map((def, position) => ({ key: def.key, name: def.name, description: def.description, permissions: [...def.permissions], position }));
  // Two set-based statements (typed builder) rather than the unit of work: an `on conflict` upsert
  // over every organization the ORM cannot batch; hydrating every built-in role took 19 s at start
  // with 10,000 organizations (and 9 minutes before that, filtered per organization).
  await em.transactional(async (tx) => {
    await execOf(tx, syncBuiltinRolesQuery(JSON.stringify(definitions)));
    await execOf(tx, dropStaleBuiltinRolesQuery(definitions.map((d) => d.key)));
  });
}

/** The preset's roles, one row each, from the JSON array bound as the one value. */
const presetRoles = (definitions: string) =>
  sql<{ key: string; name: string; description: string; permissions: string[]; position: number }>`jsonb_to_recordset(${definitions}::jsonb)`.as<'d'>(
    sql`d(key text, name text, description text, permissions text[], position int)`,
  );

/** Every organization gets each preset role, and built-in roles take the preset's name, text, permissions and order. */
const syncBuiltinRolesQuery = (definitions: string) =>
  builder
    .insertInto('role')
    .columns(['id', 'org_id', 'key', 'name', 'description', 'permissions', 'builtin', 'position'])
    .expression((eb) =>
      eb
        .selectFrom('organization as o')
        .crossJoin(presetRoles(definitions))
        .select([sql<string>`gen_random_uuid()`.as('id'), 'o.id as org_id', 'd.key', 'd.name', 'd.description', 'd.permissions', sql.lit(true).as('builtin'), 'd.position']),
    )
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'key'])
        .doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), description: eb.ref('excluded.description'), permissions: eb.ref('excluded.permissions'), position: eb.ref('excluded.position') }))
        .where('role.builtin', '=', sql.lit(true))
        .where((eb) =>
          eb(
            eb.refTuple('role.name', 'role.description', 'role.permissions', 'role.position'),
            'is distinct from',
            eb.refTuple('excluded.name', 'excluded.description', 'excluded.permissions', 'excluded.position'),
          ),
        ),
    );

/** Built-in roles the preset no longer has go, unless someone still holds them. */
const dropStaleBuiltinRolesQuery = (keys: string[]) =>
  builder
    .deleteFrom('role')
    .where('builtin', '=', sql.lit(true))
    .where((eb) => eb.not(eb('key', '=', anyOf(eb, keys, 'text'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('membership_role as mr').select(sql.lit(1).as('one')).whereRef('mr.role_id', '=', 'role.id'))));

/** The preset's top role (the one holding org:own), given to an organization's creator. */
export function topRoleKey(preset: Preset): string {
  const top = preset.roles.find((r) => r.permissions.includes('org:own') || r.permissions.includes('*'));
  if (!top) throw new Error(`Preset ${preset.key} has no role holding org:own`);
  return top.key;
}

interface CustomRoleInput {
  name?: string | null;
  description?: string | null;
  permissions?: string[] | null;
}

interface RoleRecord {
  id: string;
  org_id: string;
  name: string;
  description: string;
  permissions: string[];
  builtin: boolean;
  [column: string]: unknown;
}

/** Every role of the org as stored now (read after the org lock, so no role changes meanwhile). */
async function rolesOfOrg(tx: Em, orgId: string): Promise<RoleRecord[]> {
  return rowsOf(tx, builder.selectFrom('role').selectAll().where('org_id', '=', orgId));
}

function customRoleContext(roles: readonly RoleRecord[], exceptRoleId?: string) {
  const others = roles.filter((r) => r.id !== exceptRoleId);
  return { existingNames: others.map((r) => r.name), count: others.filter((r) => !r.builtin).length };
}

function throwRoleIssues(issues: ReturnType<typeof validateCustomRole>, limit: number) {
  const over = issues.find((i) => i.code === 'LIMIT_EXCEEDED');
  if (over) throw new LimitExceededError(over.message, limit);
  if (issues.length) throw new ValidationError(issues.map((i) => ({ path: ['input', ...i.field], message: i.message })));
}

/** R12: custom roles (roles:manage) within the preset's limit; never org:own; within the actor's own permissions (R3). */
export async function createRole(em: Em, acting: Acting, orgId: string, input: Required<CustomRoleInput>): Promise<Role> {
  const policy = acting.app.preset.policy;
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    await lockOrganization(tx, orgId);
    const perms = await permissionsAfterLock(tx, orgId, acting.user!);
    requirePermission(perms, 'roles:manage');
    const candidate = { name: (input.name ?? '').trim(), description: (input.description ?? '').trim(), permissions: [...new Set(input.permissions ?? [])] };
    throwRoleIssues(validateCustomRole(candidate, { ...customRoleContext(await rolesOfOrg(tx, orgId)), policy }), policy.customRoleLimit);
    const grant = checkGrant(perms, candidate);
    if (!grant.ok) throw new GrantCeilingError([candidate.name], false);
    const id = crypto.randomUUID();
    const role = tx.create(Role, {
      id,
      organization: tx.getReference(Organization, orgId),
      key: `custom-${id.slice(0, 8)}`,
      name: candidate.name,
      description: candidate.description,
      permissions: candidate.permissions,
      builtin: false,
      position: 1000,
    });
    recordAudit(tx, acting.actor, { orgId, action: 'role.created', target: { type: 'Role', id, label: candidate.name }, after: candidate });
    return role;
  });
}

export async function updateRole(em: Em, acting: Acting, roleId: string, input: CustomRoleInput): Promise<Role> {
  const policy = acting.app.preset.policy;
  return inTransaction(em, acting, async (tx) => {
    const visible = await findVisibleRole(acting, tx, roleId);
    await lockOrganization(tx, visible.org_id);
    const perms = await permissionsAfterLock(tx, visible.org_id, acting.user!);
    requirePermission(perms, 'roles:manage');
    // The role as it is under the lock: deleted meanwhile answers not found, edited meanwhile is checked as it is now.
    const orgRoles = await rolesOfOrg(tx, visible.org_id);
    const role = orgRoles.find((r) => r.id === visible.id);
    if (!role) throw new NotFoundError('Role');
    if (role.builtin) throw new PolicyError('Built-in roles come from the preset and cannot be edited', 'PRESET_DISALLOWS');
    const next = {
      name: input.name?.trim() ?? role.name,
      description: input.description?.trim() ?? role.description,
      permissions: input.permissions ? [...new Set(input.permissions)] : role.permissions,
    };
    throwRoleIssues(validateCustomRole(next, { ...customRoleContext(orgRoles, role.id), policy: { customRoleLimit: Number.MAX_SAFE_INTEGER } }), policy.customRoleLimit);
    // Both the old and the new permission sets must be within the actor's own (R3).
    if (!checkGrant(perms, next).ok || !checkGrant(perms, role).ok) throw new GrantCeilingError([role.name], false);
    // The unit of work updates the columns that changed, at flush (the org lock keeps the row in place).
    const entity = tx.assign(tx.map(Role, role), next);
    recordAudit(tx, acting.actor, {
      orgId: role.org_id,
      action: 'role.updated',
      target: { type: 'Role', id: role.id, label: next.name },
      before: { name: role.name, description: role.description, permissions: role.permissions },
      after: next,
    });
    return entity;
  });
}

/** A role with how many memberships hold it (deleteRole reads it under the org's lock). */
const roleWithHolders = (roleId: string) =>
  builder
    .selectFrom('role as r')
    .selectAll('r')
    .select((eb) => eb.cast<number>(eb.selectFrom('membership_role as mr').select(eb.fn.countAll().as('n')).whereRef('mr.role_id', '=', 'r.id'), 'integer').as('holders'))
    .where('r.id', '=', roleId)
    .$castTo<RoleRecord & { holders: number }>();

/** R12: deleting a role in use says how many members hold it, unless forced. */
export async function deleteRole(em: Em, acting: Acting, roleId: string, force: boolean): Promise<string> {
  return inTransaction(em, acting, async (tx) => {
    const visible = await findVisibleRole(acting, tx, roleId);
    await lockOrganization(tx, visible.org_id);
    const perms = await permissionsAfterLock(tx, visible.org_id, acting.user!);
    requirePermission(perms, 'roles:manage');
    // The role as it is under the lock, with how many memberships hold it: deleted meanwhile answers not found.
    const found = await rowOf(tx, roleWithHolders(visible.id));
    if (!found) throw new NotFoundError('Role');
    const { holders, ...role } = found;
    if (role.builtin) throw new PolicyError('Built-in roles come from the preset and cannot be deleted', 'PRESET_DISALLOWS');
    if (!checkGrant(perms, role).ok) throw new GrantCeilingError([role.name], false);
    if (holders > 0 && !force) throw new RoleInUseError(holders);
    // Deleted at flush; the role links of its holders go with it (the foreign key's cascade).
    tx.remove(tx.map(Role, role));
    recordAudit(tx, acting.actor, {
      orgId: role.org_id,
      action: 'role.deleted',
      target: { type: 'Role', id: role.id, label: role.name },
      before: { name: role.name, permissions: role.permissions, heldBy: holders },
    });
    return role.id;
  });
}

async function findVisibleRole(acting: Acting, tx: Em, roleId: string) {
  const row = isUuid(roleId)
    ? await rowOf(tx, builder.selectFrom('role').select(['id', 'org_id', 'name', 'description', 'permissions', 'builtin']).where('id', '=', roleId))
    : undefined;
  const readable = await acting.orgIdsWith('org:read');
  if (!row || (readable !== 'all' && !readable.includes(row.org_id))) throw new NotFoundError('Role');
  return row;
}
