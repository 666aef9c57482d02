import { effectivePermissions, expandPermissions, isKnownPermission, type Preset } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { isUuid, NO_ID } from '../../ids.ts';
import { sql, type AliasableExpression, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { jsonColumn, rows as queryRows, statement } from '../../db/sql.ts';
import { ACTIVE, anyOf, builder, type DB, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { findResource, permissionsOn, resourceType, standingIn, type ResourceRow } from '../resources/resource.service.ts';

/**
 * Permission questions about any subject of one organization (R23): a member or a service account,
 * optionally on a resource. Everything is read from committed state at the time of the request
 * (R2). A subject that is not an active member (or active service account) of an active
 * organization holds nothing, exactly like one that does not exist (R1).
 */

export type SubjectKind = 'User' | 'ServiceAccount';

export interface Subject {
  kind: SubjectKind;
  id: string;
}

export interface CheckQuestion {
  subject: Subject;
  permission: string;
  resourceId: string | null;
}

export type CheckReason = 'ALLOWED' | 'NOT_GRANTED' | 'NO_SUCH_SUBJECT' | 'UNKNOWN_PERMISSION' | 'NO_SUCH_RESOURCE';

export interface GrantSource {
  source: 'ORGANIZATION_ROLE' | 'RESOURCE_ROLE';
  key: string;
  name: string;
}

export interface CheckAnswer extends CheckQuestion {
  allowed: boolean;
  reason: CheckReason;
  /** Why it is allowed: the roles that grant it (explainPermission for any subject). */
  grantedBy: GrantSource[];
}

/** At most this many questions per request (R22). */
export const MAX_CHECKS = 100;

interface SubjectRoles {
  roles: { key: string; name: string; permissions: string[] }[];
  permissions: ReadonlySet<string>;
}

type RoleRow = { subject_id: string; key: string | null; name: string | null; permissions: string[] | null };

function group(rows: RoleRow[]): Map<string, SubjectRoles> {
  const bySubject = new Map<string, { key: string; name: string; permissions: string[] }[]>();
  for (const row of rows) {
    const list = bySubject.get(row.subject_id) ?? [];
    if (row.key) list.push({ key: row.key, name: row.name!, permissions: row.permissions ?? [] });
    bySubject.set(row.subject_id, list);
  }
  return new Map([...bySubject].map(([id, roles]) => [id, { roles, permissions: effectivePermissions(roles) }]));
}



const memberRoleRows = new ShapeCache((_: object, v: { orgId: string; ids: readonly string[] }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('user as u', (join) => join.onRef('u.id', '=', 'm.user_id').on('u.status', '=', ACTIVE))
    .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 'm.org_id').on('o.status', '=', ACTIVE))
    .leftJoin('membership_role as mr', 'mr.membership_id', 'm.id')
    .leftJoin('role as r', 'r.id', 'mr.role_id')
    .select(['m.user_id as subject_id', 'r.key', 'r.name', 'r.permissions'])
    .where((eb) => eb.and([eb('m.org_id', '=', v.orgId), eb('m.status', '=', ACTIVE), eb('m.user_id', '=', anyOf(eb, v.ids))])),
);

/** Org roles of active members (active account) of the org, if the org is active: one statement. */
export async function memberRoles(em: Em, orgId: string, userIds: readonly string[]): Promise<Map<string, SubjectRoles>> {
  const ids = [...new Set(userIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  return group(await rowsOf(em, memberRoleRows.prepared({}, { orgId, ids })));
}

const serviceAccountRoleRows = new ShapeCache((_: object, v: { orgId: string; ids: readonly string[] }) =>
  builder
    .selectFrom('service_account as s')
    .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 's.org_id').on('o.status', '=', ACTIVE))
    .leftJoin('service_account_role as sr', 'sr.service_account_id', 's.id')
    .leftJoin('role as r', 'r.id', 'sr.role_id')
    .select(['s.id as subject_id', 'r.key', 'r.name', 'r.permissions'])
    .where((eb) => eb.and([eb('s.org_id', '=', v.orgId), eb('s.status', '=', ACTIVE), eb('s.id', '=', anyOf(eb, v.ids))])),
);

/** Roles of active service accounts of the org, if the org is active: one statement. */
export async function serviceAccountRoles(em: Em, orgId: string, accountIds: readonly string[]): Promise<Map<string, SubjectRoles>> {
  const ids = [...new Set(accountIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  return group(await rowsOf(em, serviceAccountRoleRows.prepared({}, { orgId, ids })));
}

const resourcesIn = new ShapeCache((_: object, v: { orgId: string; ids: readonly string[] }) =>
  builder
    .selectFrom('resource')
    .selectAll()
    .where((eb) => eb.and([eb('org_id', '=', v.orgId), eb('id', '=', anyOf(eb, v.ids))]))
    .$castTo<ResourceRow>(),
);

const orgRoles = new ShapeCache((_: object, v: { orgId: string }) => builder.selectFrom('role').select(['id', 'permissions']).where('org_id', '=', v.orgId));

const grantingRoles = (subject: SubjectRoles, permission: string): GrantSource[] =>
  subject.roles.filter((r) => expandPermissions(r.permissions).has(permission)).map((r) => ({ source: 'ORGANIZATION_ROLE', key: r.key, name: r.name }));

/** Answers every question, in order, with one statement per kind of subject and one for the resources. */
export async function answerChecks(em: Em, preset: Preset, orgId: string, questions: readonly CheckQuestion[]): Promise<CheckAnswer[]> {
  const users = await memberRoles(em, orgId, questions.filter((q) => q.subject.kind === 'User').map((q) => q.subject.id));
  const accounts = await serviceAccountRoles(em, orgId, questions.filter((q) => q.subject.kind === 'ServiceAccount').map((q) => q.subject.id));
  const resourceIds = [...new Set(questions.flatMap((q) => (q.resourceId && isUuid(q.resourceId) ? [q.resourceId] : [])))];
  const resources = new Map<string, ResourceRow>();
  if (resourceIds.length) {
    for (const row of await rowsOf(em, resourcesIn.prepared({}, { orgId, ids: resourceIds }))) resources.set(row.id, row);
  }
  // Resource roles of one member on one resource, read once per pair.
  const onResource = new Map<string, Promise<ReadonlySet<string>>>();
  const permissionsOnResource = (userId: string, resource: ResourceRow) => {
    const key = `${userId}:${resource.id}`;
    let found = onResource.get(key);
    if (!found) {
      found = standingIn(em, orgId, { id: userId, isPlatformAdmin: false }).then((s) => permissionsOn(em, s, resource, preset, {}));
      onResource.set(key, found);
    }
    return found;
  };

  const answers: CheckAnswer[] = [];
  for (const q of questions) {
    const answer = (allowed: boolean, reason: CheckReason, grantedBy: GrantSource[] = []) => answers.push({ ...q, allowed, reason, grantedBy });
    if (!isKnownPermission(q.permission)) {
      answer(false, 'UNKNOWN_PERMISSION');
      continue;
    }
    const subject = (q.subject.kind === 'User' ? users : accounts).get(q.subject.id);
    if (!subject) {
      answer(false, 'NO_SUCH_SUBJECT');
      continue;
    }
    const fromOrg = grantingRoles(subject, q.permission);
    if (q.resourceId === null) {
      answer(fromOrg.length > 0, fromOrg.length > 0 ? 'ALLOWED' : 'NOT_GRANTED', fromOrg);
      continue;
    }
    const resource = resources.get(q.resourceId);
    if (!resource) {
      answer(false, 'NO_SUCH_RESOURCE');
      continue;
    }
    if (fromOrg.length > 0) {
      answer(true, 'ALLOWED', fromOrg);
      continue;
    }
    // Service accounts hold no resource roles; a member may hold one on this resource (R19).
    const viaResource = q.subject.kind === 'User' && (await permissionsOnResource(q.subject.id, resource)).has(q.permission);
    answer(viaResource, viaResource ? 'ALLOWED' : 'NOT_GRANTED', viaResource ? [{ source: 'RESOURCE_ROLE', key: resource.type, name: resource.name }] : []);
  }
  return answers;
}

/** Roles of the org that grant a permission (wildcards expanded). */
export async function rolesGranting(em: Em, orgId: string, permission: string): Promise<string[]> {
  const roles = await rowsOf(em, orgRoles.prepared({}, { orgId }));
  return roles.filter((r) => expandPermissions(r.permissions).has(permission)).map((r) => r.id);
}

/** Who holds a permission: a member (by user, with their membership) or a service account (R23). */
export type Holder =
  | { kind: 'User'; id: string; email: string; membershipId: string; name: string }
  | { kind: 'ServiceAccount'; id: string; name: string; email: null; membershipId: null };

/** Active service accounts of an active org holding one of some roles, by id after a cursor: one shape, built once. */
const serviceAccountHolders = new ShapeCache((_: object, v: { orgId: string; afterId: string; roleIds: string[]; limit: number }) =>
  builder
    .selectFrom('service_account as s')
    .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 's.org_id').on('o.status', '=', ACTIVE))
    .select(['s.id', 's.name'])
    .where((eb) =>
      eb.and([
        eb('s.org_id', '=', v.orgId),
        eb('s.status', '=', ACTIVE),
        eb('s.id', '>', v.afterId),
        eb.exists(
          eb
            .selectFrom('service_account_role as sr')
            .select(sql.lit(1).as('one'))
            .whereRef('sr.service_account_id', '=', 's.id')
            .where('sr.role_id', '=', anyOf(eb, v.roleIds)),
        ),
      ]),
    )
    .orderBy('s.id')
    .limit(v.limit),
);

/** How many candidate rows each round reads when rows must be filtered one by one (resource roles). */
const CHUNK = 200;

/**
 * whoCan: active members and active service accounts of the org holding a permission, on the
 * organization or on one resource, in id order after `afterId`, at most `limit` (callers ask for
 * first + 1 to know if there is more). A service account holds it on a resource through its
 * organization roles (it holds no resource roles). Never truncated silently: each kind is walked
 * until it has `limit` holders past the cursor, and the two lists are merged by id.
 */
export async function holders(em: Em, preset: Preset, orgId: string, permission: string, resourceId: string | null, afterId: string | null, limit: number): Promise<Holder[] | 'NO_SUCH_RESOURCE'> {
  const granting = await rolesGranting(em, orgId, permission);
  let resource: ResourceRow | undefined;
  if (resourceId !== null) {
    resource = await findResource(em, resourceId);
    if (!resource || resource.org_id !== orgId) return 'NO_SUCH_RESOURCE';
  }
  const members = await memberHolders(em, preset, orgId, permission, granting, resource, afterId, limit);
  const accounts: Holder[] = granting.length
    ? (await rowsOf(em, serviceAccountHolders.prepared({}, { orgId, afterId: afterId ?? NO_ID, roleIds: granting, limit }))).map((a) => ({ kind: 'ServiceAccount', id: a.id, name: a.name, email: null, membershipId: null }))
    : [];
  return [...members, ...accounts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
}

/**
 * One round of whoCan's members: active members (active account) of the active org who hold the
 * permission through an org role (`by_org`) or may through a resource role (checked one by one).
 */
function memberHolderRound(orgId: string, granting: string[], resource: ResourceRow | undefined, after: string | null, limit: number) {
  type Members = ExpressionBuilder<DB & { m: DB['membership']; u: DB['user'] }, 'm' | 'u'>;
  const byOrgRole = (eb: Members): AliasableExpression<SqlBool> =>
    granting.length
      ? eb.exists(eb.selectFrom('membership_role as mr').select(sql.lit(1).as('one')).whereRef('mr.membership_id', '=', 'm.id').where((inner) => inner('mr.role_id', '=', anyOf(inner, granting))))
      : sql<SqlBool>`false`;
  const byResource = (eb: Members): Expression<SqlBool> =>
    resource
      ? eb.or([
          eb.exists(eb.selectFrom('resource_grant as g').select(sql.lit(1).as('one')).where('g.resource_id', '=', resource.id).whereRef('g.membership_id', '=', 'm.id')),
          eb('u.id', '=', resource.created_by_id ?? NO_ID),
        ])
      : sql<SqlBool>`false`;
  return builder
    .selectFrom('membership as m')
    .innerJoin('user as u', (join) => join.onRef('u.id', '=', 'm.user_id').on('u.status', '=', ACTIVE))
    .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 'm.org_id').on('o.status', '=', ACTIVE))
    .select((eb) => ['u.id as userId', 'u.email', 'm.id as membershipId', byOrgRole(eb).as('by_org')])
    .where((eb) => eb.and([eb('m.org_id', '=', orgId), eb('m.status', '=', ACTIVE), eb.or([byOrgRole(eb), byResource(eb)])]))
    .$if(after !== null, (qb) => qb.where('u.id', '>', after!))
    .orderBy('u.id')
    .limit(limit);
}

async function memberHolders(em: Em, preset: Preset, orgId: string, permission: string, granting: string[], resource: ResourceRow | undefined, afterUserId: string | null, limit: number): Promise<Holder[]> {
  const out: Holder[] = [];
  let after = afterUserId;
  while (out.length < limit) {
    const rows = await rowsOf(em, memberHolderRound(orgId, granting, resource, after, resource ? CHUNK : limit));
    for (const row of rows) {
      if (out.length >= limit) break;
      const holds = row.by_org || (resource !== undefined && (await permissionsOn(em, await standingIn(em, orgId, { id: row.userId, isPlatformAdmin: false }), resource, preset, {})).has(permission));
      if (holds) out.push({ kind: 'User', id: row.userId, email: row.email, membershipId: row.membershipId, name: row.email });
    }
    if (rows.length < (resource ? CHUNK : limit)) break;
    after = rows[rows.length - 1]!.userId;
  }
  return out;
}

/**
 * accessibleResources: resources of a type in the org the subject may act on with a permission, in
 * id order after `afterId`. Organization permission: every resource of the type; otherwise those
 * its resource roles grant it (members only). Same keyset walk as holders().
 */
export async function accessible(em: Em, preset: Preset, orgId: string, subject: Subject, type: string, permission: string, afterId: string | null, limit: number): Promise<ResourceRow[]> {
  const roles = subject.kind === 'User' ? await memberRoles(em, orgId, [subject.id]) : await serviceAccountRoles(em, orgId, [subject.id]);
  const held = roles.get(subject.id);
  if (!held || !isKnownPermission(permission) || !resourceType(preset, type)) return [];
  const whole = held.permissions.has(permission);
  if (!whole && subject.kind !== 'User') return [];
  const out: ResourceRow[] = [];
  let after = afterId;
  const standing = whole ? undefined : await standingIn(em, orgId, { id: subject.id, isPlatformAdmin: false });
  while (out.length < limit) {
    const size = whole ? limit : CHUNK;
    const cursor = after;
    const query = builder
      .selectFrom('resource as r')
      .selectAll('r')
      .where('r.org_id', '=', orgId)
      .where('r.type', '=', type)
      // Without the permission on the whole type: only what the member created or was granted, each checked below.
      .$if(!whole, (qb) =>
        qb.where((eb) =>
          eb.or([
            eb('r.created_by_id', '=', subject.id),
            eb.exists(eb.selectFrom('resource_grant as g').select(sql.lit(1).as('one')).whereRef('g.resource_id', '=', 'r.id').where('g.membership_id', '=', standing!.membershipId ?? NO_ID)),
          ]),
        ),
      )
      .$if(cursor !== null, (qb) => qb.where('r.id', '>', cursor!))
      .orderBy('r.id')
      .limit(size)
      .$castTo<ResourceRow>();
    const rows = await rowsOf(em, query);
    for (const row of rows) {
      if (out.length >= limit) break;
      if (whole || (await permissionsOn(em, standing!, row, preset, {})).has(permission)) out.push(row);
    }
    if (rows.length < size) break;
    after = rows[rows.length - 1]!.id;
  }
  return out;
}

const serviceAccountStanding = statement(
  'service_account_standing',
  `select s.id, (s.status = 'ACTIVE' and o.status = 'ACTIVE') as active,
          coalesce((select json_agg(json_build_object('id', r.id, 'key', r.key, 'name', r.name, 'permissions', r.permissions) order by r.position, r.name)
                      from service_account_role sr join role r on r.id = sr.role_id where sr.service_account_id = s.id), '[]') as roles
     from service_account s join organization o on o.id = s.org_id
    where s.id = $1 and s.org_id = $2`,
);

/** explainPermission for a service account: its roles (whatever its status) and whether it acts at all. */
export async function serviceAccountStandingIn(em: Em, orgId: string, accountId: string): Promise<{ active: boolean; roles: { id: string; key: string; name: string; permissions: string[] }[] } | undefined> {
  if (!isUuid(accountId) || !isUuid(orgId)) return undefined;
  const found = (await queryRows<{ active: boolean; roles: unknown }>(em, serviceAccountStanding, [accountId, orgId]))[0];
  return found && { active: found.active, roles: jsonColumn(found.roles) };
}
