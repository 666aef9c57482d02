import type { Acting } from '../acting.ts';
import type { PermissionKey } from '@gatehouse/permissions';
import type { Context } from '../context.ts';
import { NO_ID, onlyUuids } from '../ids.ts';
import { sql } from 'kysely';
import { anyOf, builder, rowOf, rowsOf, ShapeCache } from '../db/kysely.ts';
import { User } from './users/user.entity.ts';
import { Organization } from './organizations/organization.entity.ts';
import { Membership } from './memberships/membership.entity.ts';
import { Role } from './roles/role.entity.ts';
import { Invitation } from './invitations/invitation.entity.ts';
import { AuditEvent } from './audit/audit-event.entity.ts';
import type { TransferRow } from './organizations/ownership.service.ts';

/**
 * R1: the one place that decides what an actor may see. Every node loader, every relation field and
 * every query that hands out a user, membership, organization, role, invitation, audit event or
 * resource asks these functions; anything they leave out answers exactly as if it did not exist.
 *
 * The rules:
 * - Nobody signed in sees nothing. During a forced password change (R7) a user sees only their own
 *   account and their own memberships (what `viewer` shows), nothing of any organization's contents.
 * - Organization: platform admins; active members of an active organization holding `org:read`
 *   (a disabled membership or organization sees nothing of it, R10).
 * - User: themselves; platform admins; holders of `members:read` in an organization the user belongs to.
 * - Membership: the member; platform admins; `members:read` holders of its organization. A visible
 *   membership shows its own user and organization (they are part of it); any other person it names
 *   (addedBy) is checked on its own.
 * - Role: `org:read` holders of its organization. Invitation: `members:read` or `members:invite` holders.
 * - Audit event of an organization: `audit:read` holders there. Platform event (no organization):
 *   platform admins, and the account it is about (target User) for its own events. Before/after
 *   snapshots name only organizations the reader may see.
 * - Resource: anyone reading the org's resources sees the resource, but the people on it (creator,
 *   grantees) only as far as the User and Membership rules allow.
 * - Ownership transfer: `members:read` holders of its organization (they see it as the organization's
 *   pendingOwnershipTransfer), and its two parties (offering owner, recipient) while active there (R10).
 *   The people it names only as far as the User and Membership rules allow.
 */

/** Organization ids where the reader holds a permission; 'all' for platform admins; none during a forced change. */
export async function orgsWhere(ctx: Acting, permission: PermissionKey): Promise<string[] | 'all'> {
  if (!ctx.user || ctx.user.mustChangePassword) return [];
  return ctx.orgIdsWith(permission);
}

const within = (readable: string[] | 'all', orgId: string | null | undefined) =>
  orgId != null && (readable === 'all' || readable.includes(orgId));

/** Whether the reader holds `permission` in the organization (active membership, active org, no forced change). */
export async function mayIn(ctx: Acting, orgId: string, permission: PermissionKey): Promise<boolean> {
  return within(await orgsWhere(ctx, permission), orgId);
}

/** The organization, already read, if the reader may see it. */
export async function visibleOrganization<O extends { id: string }>(ctx: Acting, org: O | null): Promise<O | null> {
  return org && (await mayIn(ctx, org.id, 'org:read')) ? org : null;
}

/** Organizations among `ids` the reader may see. */
export async function visibleOrganizations(ctx: Context, requested: readonly string[]): Promise<Organization[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const readable = await orgsWhere(ctx, 'org:read');
  const allowed = readable === 'all' ? ids : ids.filter((id) => readable.includes(id));
  return allowed.length ? ctx.em.find(Organization, { id: allowed }) : [];
}


/** Accounts among `ids` that are the reader, or members of one of `orgIds` (when the shape has them). */
const usersSeen = new ShapeCache((shape: { orgs: boolean }, v: { ids: readonly string[]; self: string; orgIds: readonly string[] }) =>
  builder
    .selectFrom('user as u')
    .selectAll('u')
    .where((eb) =>
      eb.and([
        eb('u.id', '=', anyOf(eb, v.ids)),
        eb.or([
          eb('u.id', '=', v.self),
          ...(shape.orgs ? [eb.exists(eb.selectFrom('membership as m').select(sql.lit(1).as('one')).whereRef('m.user_id', '=', 'u.id').where('m.org_id', '=', anyOf(eb, v.orgIds)))] : []),
        ]),
      ]),
    ),
);

/** Users among `ids` the reader may see. */
export async function visibleUsers(ctx: Context, requested: readonly string[]): Promise<User[]> {
  const ids = onlyUuids(requested);
  const self = ctx.user;
  if (!self || ids.length === 0) return [];
  if (self.mustChangePassword) return ids.includes(self.id) ? ctx.em.find(User, { id: self.id }) : [];
  const orgIds = await orgsWhere(ctx, 'members:read');
  if (orgIds === 'all') return ctx.em.find(User, { id: ids });
  const rows = await rowsOf(ctx.em, usersSeen.prepared({ orgs: orgIds.length > 0 }, { ids, self: self.id ?? NO_ID, orgIds })); // a service account's stand-in (no id) is no account
  return rows.map((row) => ctx.em.map(User, row));
}

/** Whether the reader may see this membership (their own, or members:read in its organization). */
export async function mayReadMembership(ctx: Acting, membership: { user: { id: string }; organization: { id: string } }): Promise<boolean> {
  if (!ctx.user) return false;
  if (membership.user.id === ctx.user.id) return true;
  return within(await orgsWhere(ctx, 'members:read'), membership.organization.id);
}

/** Memberships among `ids` the reader may see. */
export async function visibleMemberships(ctx: Context, requested: readonly string[]): Promise<Membership[]> {
  const ids = onlyUuids(requested);
  if (!ctx.user || ids.length === 0) return [];
  const rows = await ctx.em.find(Membership, { id: ids });
  const readable = await orgsWhere(ctx, 'members:read');
  return rows.filter((m) => m.user.id === ctx.user!.id || within(readable, m.organization.id));
}

/** Of one user's memberships, those the reader may see: all for themselves and platform admins. */
export async function visibleMembershipsOf<M extends { organization: { id: string } }>(ctx: Acting, userId: string, memberships: readonly M[]): Promise<M[]> {
  if (!ctx.user) return [];
  if (ctx.user.id === userId) return [...memberships];
  const readable = await orgsWhere(ctx, 'members:read');
  return memberships.filter((m) => within(readable, m.organization.id));
}

/** Roles among `ids` the reader may see. */
export async function visibleRoles(ctx: Context, requested: readonly string[]): Promise<Role[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const readable = await orgsWhere(ctx, 'org:read');
  if (readable !== 'all' && readable.length === 0) return [];
  const roles = await ctx.em.find(Role, { id: ids });
  return roles.filter((r) => within(readable, r.organization.id));
}

/** Invitations among `ids` the reader may see. */
export async function visibleInvitations(ctx: Context, requested: readonly string[]): Promise<Invitation[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const [readers, inviters] = await Promise.all([orgsWhere(ctx, 'members:read'), orgsWhere(ctx, 'members:invite')]);
  if (readers !== 'all' && inviters !== 'all' && readers.length === 0 && inviters.length === 0) return [];
  const rows = await ctx.em.find(Invitation, { id: ids });
  return rows.filter((inv) => within(readers, inv.organization.id) || within(inviters, inv.organization.id));
}

/** Whether the reader may see an audit event (see the rules above). */
export async function mayReadAuditEvent(ctx: Acting, event: Pick<AuditEvent, 'orgId' | 'targetType' | 'targetId'>): Promise<boolean> {
  const user = ctx.user;
  if (!user || user.mustChangePassword) return false;
  if (event.orgId) return within(await orgsWhere(ctx, 'audit:read'), event.orgId);
  return user.isPlatformAdmin || (event.targetType === 'User' && event.targetId === user.id);
}

/** Audit events among `ids` the reader may see. */
export async function visibleAuditEvents(ctx: Context, requested: readonly string[]): Promise<AuditEvent[]> {
  const numeric = requested.filter((id) => /^[1-9]\d{0,14}$/.test(id)).map(Number);
  if (!ctx.user || ctx.user.mustChangePassword || numeric.length === 0) return [];
  const events = await ctx.em.find(AuditEvent, { id: numeric });
  const out: AuditEvent[] = [];
  for (const event of events) if (await mayReadAuditEvent(ctx, event)) out.push(event);
  return out;
}

/** Keys of audit snapshots that hold organization ids (e.g. user.deleted lists every org the account was in). */
const ORG_LIST_KEYS = new Set(['organizations', 'organizationIds', 'orgIds']);
const ORG_KEYS = new Set(['orgId', 'organizationId']);

/**
 * An audit snapshot as this reader may see it: organization ids the reader cannot see are left out
 * of lists and blanked in single fields, so an event in org A never names the orgs B a person was in.
 */
export async function redactSnapshot(ctx: Acting, raw: Record<string, unknown> | string | null | undefined): Promise<Record<string, unknown> | null> {
  if (raw == null) return null;
  const snapshot: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const readable = await orgsWhere(ctx, 'org:read');
  if (readable === 'all') return snapshot as Record<string, unknown>;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (ORG_LIST_KEYS.has(key) && Array.isArray(inner)) out[key] = inner.filter((id) => typeof id !== 'string' || readable.includes(id));
      else if (ORG_KEYS.has(key) && typeof inner === 'string') out[key] = readable.includes(inner) ? inner : null;
      else out[key] = walk(inner);
    }
    return out;
  };
  return walk(snapshot) as Record<string, unknown>;
}

/** An account by address (the lower(email) index), with whether it is a member of one org. */
const accountByEmail = new ShapeCache((_: object, v: { orgId: string; email: string }) =>
  builder
    .selectFrom('user as u')
    .select((eb) => [
      'u.id',
      'u.first_name',
      'u.last_name',
      eb.exists(eb.selectFrom('membership as m').select(sql.lit(1).as('one')).whereRef('m.user_id', '=', 'u.id').where('m.org_id', '=', v.orgId)).as('member'),
      eb('u.email_verified_at', 'is not', null).as('verified'),
    ])
    .where((eb) => eb(eb.fn<string>('lower', ['u.email']), '=', v.email)),
);

/**
 * For the add-users dialog (lookupUser, seed 002: "if the user exists, a green checkmark appears and
 * name fields are pre-filled"): an account is found, with its names, when its holder proved the
 * address (R20), or when the reader may already see it. An unproven address answers exactly like an
 * unknown one, except to platform admins and for people already members here. Nothing about the
 * account's other organizations is ever shown; only holders of members:invite may ask.
 */
export async function lookupAccount(ctx: Context, orgId: string, email: string): Promise<{ exists: boolean; firstName: string | null; lastName: string | null; alreadyMember: boolean }> {
  const none = { exists: false, firstName: null, lastName: null, alreadyMember: false };
  const row = await rowOf(ctx.em, accountByEmail.prepared({}, { orgId, email }));
  if (!row) return none;
  if (!row.verified && !row.member && !ctx.user?.isPlatformAdmin) return none;
  return { exists: true, firstName: row.first_name, lastName: row.last_name, alreadyMember: Boolean(row.member) };
}

/**
 * R10 and R7 for operations addressed by organization: the actor's membership there is active in an
 * active organization (or they are a platform admin), with no forced password change pending.
 */
export async function activeIn(ctx: Context, orgId: string): Promise<boolean> {
  if (!ctx.user || ctx.user.mustChangePassword) return false;
  if (ctx.user.isPlatformAdmin) return (await visibleOrganizations(ctx, [orgId])).length > 0;
  return (await ctx.permissionsIn(orgId)) !== undefined;
}

/** Ownership transfers by id, each with the account its recipient membership belongs to. */
const transfersWithRecipient = new ShapeCache((_: object, v: { ids: readonly string[] }) =>
  builder
    .selectFrom('ownership_transfer as t')
    .leftJoin('membership as m', 'm.id', 't.to_membership_id')
    .selectAll('t')
    .select('m.user_id as to_user_id')
    .where((eb) => eb('t.id', '=', anyOf(eb, v.ids)))
    .$castTo<TransferRow & { to_user_id: string | null }>(),
);

/**
 * An ownership transfer the actor is a party to (the offering owner or the recipient), in an
 * organization where they are active (R10); undefined otherwise, like a transfer that does not exist.
 */
export async function transferOfParty(ctx: Context, transferId: string): Promise<{ id: string; org_id: string } | undefined> {
  const user = ctx.user;
  if (!user || user.mustChangePassword || !onlyUuids([transferId]).length) return undefined;
  const row = await rowOf(ctx.em, transfersWithRecipient.prepared({}, { ids: [transferId] }));
  if (!row || (row.from_user_id !== user.id && row.to_user_id !== user.id)) return undefined;
  if ((await ctx.permissionsIn(row.org_id)) === undefined) return undefined;
  return { id: row.id, org_id: row.org_id };
}

/** Ownership transfers among `ids` the reader may see (see the rules above; node and nodes load through it). */
export async function visibleOwnershipTransfers(ctx: Context, requested: readonly string[]): Promise<TransferRow[]> {
  const ids = onlyUuids(requested);
  const user = ctx.user;
  if (!user || user.mustChangePassword || ids.length === 0) return [];
  const found = await rowsOf(ctx.em, transfersWithRecipient.prepared({}, { ids }));
  const readers = await orgsWhere(ctx, 'members:read');
  const out: TransferRow[] = [];
  for (const { to_user_id: toUserId, ...transfer } of found) {
    const party = transfer.from_user_id === user.id || toUserId === user.id;
    if (within(readers, transfer.org_id) || (party && (await ctx.permissionsIn(transfer.org_id)) !== undefined)) out.push(transfer);
  }
  return out;
}
