import { checkRoleChange } from '@gatehouse/permissions';
import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import {
  AuthError,
  InvalidInvitationError,
  InvitationAlreadyAcceptedError,
  InvitationEmailMismatchError,
  InvitationExpiredError,
  LimitExceededError,
  NotFoundError,
  PolicyError,
  RateLimitedError,
  SignInRequiredError,
  ValidationError,
  type FieldIssue,
} from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import { anyOf, builder, rowOf, rowsOf, ShapeCache, type DB } from '../../db/kysely.ts';
import { Role } from '../roles/role.entity.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Invitation } from './invitation.entity.ts';
import { InvitationRole } from './invitation-role.entity.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { hashToken, newOpaqueToken } from '../../auth/refresh-token.ts';
import { hashPassword, passwordIssues } from '../../auth/passwords.ts';
import { revokeAllSessions, startSession, type IssuedTokens } from '../../auth/session.service.ts';
import { User, displayName } from '../users/user.entity.ts';
import { findMembershipOf, insertMembership, lockOrganization, permissionsAfterLock, rolesInOrg, type RoleRow, ROLE_ROW_COLUMNS } from '../memberships/membership.locks.ts';
import { requirePermission, throwRoleChangeProblems } from '../memberships/rule-errors.ts';
import { canonicalEmail, emailIssue } from '@gatehouse/permissions';
import { invitationMail } from './invitation.mail.ts';
import {
  applyInvitationResourceGrants,
  checkInvitationResourceGrants,
  storeInvitationResourceGrants,
  type ResourceGrantInput,
  type ResourceGrantOutcome,
} from './invitation.resource-grants.ts';

/** R8 resend limits per invitation: one send a minute, five sends (the first included) per 24 hours. */
export const RESEND_MIN_INTERVAL_SECONDS = 60;
export const SENDS_PER_DAY = 5;
const DAY_SECONDS = 86_400;

export type InviteStatus = 'INVITED' | 'INVALID_ADDRESS' | 'ALREADY_MEMBER' | 'ALREADY_INVITED';

export interface InviteResult {
  email: string;
  status: InviteStatus;
  /** The new invitation (INVITED) or the pending one (ALREADY_INVITED); null in a dry run. */
  invitationId: string | null;
  /** Why the address was not invited (INVALID_ADDRESS). */
  message: string | null;
  /** Whether the mail went out (INVITED, not a dry run). */
  emailSent: boolean;
  /** The invitation this call wrote (INVITED, not a dry run), as the unit of work holds it. */
  created?: Invitation;
}

interface ParsedAddress {
  email: string;
  /** Index of the `emails` list entry it came from (for field paths). */
  index: number;
}

/** Each entry may hold several addresses separated by commas, semicolons, spaces or newlines; duplicates are dropped. */
export function parseEmailList(entries: readonly string[]): ParsedAddress[] {
  const seen = new Set<string>();
  const out: ParsedAddress[] = [];
  entries.forEach((entry, index) => {
    for (const part of entry.split(/[\s,;]+/)) {
      const typed = part.trim().replace(/^<(.*)>$/, '$1');
      const email = canonicalEmail(typed) ?? typed.toLowerCase();
      if (email === '' || seen.has(email)) continue;
      seen.add(email);
      out.push({ email, index });
    }
  });
  return out;
}

interface PendingMail {
  to: string;
  token: string;
  organizationName: string;
  inviterName: string | null;
  roleNames: string[];
  expiresAt: Date;
}

/** Mail goes out after the commit, so a rolled-back change never sends a live token. A failed send is logged, never thrown. */
async function sendInvitationMail(acting: Acting, mail: PendingMail): Promise<boolean> {
  try {
    await acting.app.mailer.send(invitationMail({ ...mail, publicUrl: acting.app.config.publicUrl }));
    return true;
  } catch (error) {
    // Only the error message: the mail body carries the token.
    acting.app.log.error({ to: mail.to, error: error instanceof Error ? error.message : String(error) }, 'invitation mail failed');
    return false;
  }
}

const expiryFrom = (acting: Acting) => new Date(Date.now() + acting.app.config.invitationTtlDays * 86_400_000);
const roleKeys = (roles: RoleRow[]) => roles.map((r) => r.key);

/**
 * R8: invite people by email (R3 applies to the roles). Invalid addresses are a ValidationError
 * naming `emails.<i>` and nothing is stored; members and people already invited are skipped and
 * reported. With `dryRun`, nothing is stored or sent and invalid addresses are reported per address,
 * so a UI can show a review list first.
 */
export async function inviteMembers(
  em: Em, acting: Acting,
  orgId: string,
  emails: readonly string[],
  roleIds: readonly string[],
  options: { dryRun?: boolean; resourceGrants?: readonly ResourceGrantInput[] } = {},
): Promise<InviteResult[]> {
  const user = acting.user;
  if (!user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  const dryRun = options.dryRun ?? false;
  const policy = acting.app.preset.policy;
  if (!policy.invitations) throw new PolicyError('This platform does not use invitations; add people directly', 'PRESET_DISALLOWS');
  const parsed = parseEmailList(emails);
  if (parsed.length === 0) throw ValidationError.field('emails', 'Enter at least one email address');
  const invalid = parsed.map((a) => ({ ...a, problem: emailIssue(a.email) })).filter((a) => a.problem);
  if (invalid.length && !dryRun) {
    throw new ValidationError(invalid.map((a) => ({ path: ['emails', String(a.index)], message: `${a.email}: ${a.problem}` })));
  }
  const valid = parsed.filter((a) => !emailIssue(a.email));
  // Invitations have their own list limit (CloudTruth: "as many users as needed"), apart from provisioning's R7 10.
  if (valid.length > policy.invitationLimit) {
    throw new LimitExceededError(`Invite at most ${policy.invitationLimit} people at a time`, policy.invitationLimit);
  }

  const mails: PendingMail[] = [];
  const results = await inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    const org = await lockOrganization(tx, orgId);
    const actorPerms = await permissionsAfterLock(tx, orgId, user);
    requirePermission(actorPerms, 'members:invite');
    const { roles, unknown } = await rolesInOrg(tx, orgId, roleIds);
    if (unknown.length) throw new ValidationError(unknown.map((i) => ({ path: ['roleIds', String(i)], message: 'Not a role of this organization' })));
    // R3 (and R6): the roles granted on acceptance must be within the inviter's own permissions.
    throwRoleChangeProblems(
      checkRoleChange({ actorUserId: user.id, targetUserId: 'invitee', actorPerms, currentRoles: [], nextRoles: roles, policy }),
    );
    // R3 + R19 per resource grant, as grantResourceRole would check it for a member with these roles.
    const resourceGrants = await checkInvitationResourceGrants(tx, acting.app.preset, orgId, user, roleKeys(roles), options.resourceGrants ?? []);

    const addresses = valid.map((a) => a.email);
    const members = new Set(addresses.length ? (await rowsOf(tx, membersByEmail.prepared({}, { orgId, addresses }))).map((r) => r.email) : []);
    // Whole rows, so an expired one can be handed to the unit of work without another read.
    const pending = new Map(
      (addresses.length ? await rowsOf(tx, pendingByEmail.prepared({}, { orgId, addresses })) : []).map(({ email_key, expired, ...columns }) => [
        email_key,
        { id: columns.id, expired, columns },
      ]),
    );

    const out: InviteResult[] = [];
    const expiresAt = expiryFrom(acting);
    // An expired pending invitation gives way to the new one (one pending per org and email): the
    // unit of work inserts before it updates, so the expiries are flushed first (the partial unique
    // index would refuse the new row otherwise). The org lock keeps these rows as read.
    if (!dryRun) {
      const stale = parsed.flatMap(({ email }) => {
        const open = !emailIssue(email) && !members.has(email) ? pending.get(email) : undefined;
        return open?.expired ? [open] : [];
      });
      for (const open of stale) tx.map(Invitation, open.columns).status = 'EXPIRED';
      if (stale.length) await tx.flush();
    }
    const roleRefs = roles.map((r) => tx.getReference(Role, r.id));
    for (const address of parsed) {
      const { email } = address;
      const problem = emailIssue(email);
      if (problem) {
        out.push({ email, status: 'INVALID_ADDRESS', invitationId: null, message: problem, emailSent: false });
        continue;
      }
      if (members.has(email)) {
        out.push({ email, status: 'ALREADY_MEMBER', invitationId: null, message: null, emailSent: false });
        continue;
      }
      const open = pending.get(email);
      if (open && !open.expired) {
        out.push({ email, status: 'ALREADY_INVITED', invitationId: open.id, message: null, emailSent: false });
        continue;
      }
      if (dryRun) {
        out.push({ email, status: 'INVITED', invitationId: null, message: null, emailSent: false });
        continue;
      }
      const id = crypto.randomUUID();
      const { token, hash } = newOpaqueToken();
      // Inserted with its roles when the transaction flushes (one multi-row insert per table).
      const sentAt = new Date();
      const invitation = tx.create(Invitation, {
        id, organization: tx.getReference(Organization, orgId), email, tokenHash: hash, status: 'PENDING', expiresAt, inviterId: user.id,
        sendCount: 1, lastSentAt: sentAt, sendWindowStartedAt: sentAt, sendWindowCount: 1,
      });
      for (const role of roleRefs) tx.create(InvitationRole, { invitation, role });
      mails.push({ to: email, token, organizationName: org.name, inviterName: displayName(user), roleNames: roles.map((r) => r.name), expiresAt });
      out.push({ email, status: 'INVITED', invitationId: id, message: null, emailSent: false, created: invitation });
    }
    const invited = out.filter((r) => r.status === 'INVITED' && r.invitationId);
    storeInvitationResourceGrants(tx, orgId, invited.map((r) => r.invitationId!), resourceGrants);
    if (invited.length) {
      recordAudit(tx, acting.actor, {
        orgId,
        action: 'invitations.sent',
        target: { type: 'Organization', id: orgId, label: org.slug },
        after: {
          roles: roleKeys(roles),
          resourceGrants: resourceGrants.map((g) => ({ resourceId: g.resource.id, resource: g.resource.name, roleKey: g.roleKey })),
          expiresAt: expiresAt.toISOString(),
          invitations: invited.map((r) => ({ id: r.invitationId, email: r.email })),
          skipped: out.filter((r) => r.status !== 'INVITED').map((r) => ({ email: r.email, outcome: r.status })),
        },
      });
    }
    return out;
  });

  const sent = await Promise.all(mails.map((m) => sendInvitationMail(acting, m)));
  mails.forEach((m, i) => {
    const result = results.find((r) => r.email === m.to);
    if (result) result.emailSent = sent[i]!;
  });
  return results;
}

/** The database's clock (the transaction's start), in comparisons. */
const sqlNow = sql<Date>`now()`;
/** `expires_at <= now()`: whether an invitation has run out, by the database's clock. */
const expiredNow = (eb: ExpressionBuilder<DB, 'invitation'>) => eb('expires_at', '<=', sqlNow).$castTo<boolean>().as('expired');
/** Seconds from a time column to now(), as a float8. */
const secondsSince = (eb: ExpressionBuilder<DB, 'invitation'>, column: 'last_sent_at' | 'send_window_started_at') =>
  eb.cast<number>(sql`extract(epoch from (${sqlNow} - ${eb.ref(column)}))`, 'float8');

/** Members of the org among the addresses (lower-cased). */
const membersByEmail = new ShapeCache((_: object, v: { orgId: string; addresses: readonly string[] }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .select((eb) => eb.fn<string>('lower', ['u.email']).as('email'))
    .where('m.org_id', '=', v.orgId)
    .where((eb) => eb(eb.fn<string>('lower', ['u.email']), '=', anyOf(eb, v.addresses, 'text'))),
);

/** The org's pending invitations to the addresses, whole rows with their lower-cased address and whether they ran out. */
const pendingByEmail = new ShapeCache((_: object, v: { orgId: string; addresses: readonly string[] }) =>
  builder
    .selectFrom('invitation')
    .selectAll()
    .select((eb) => [eb.fn<string>('lower', ['email']).as('email_key'), expiredNow(eb)])
    .where('org_id', '=', v.orgId)
    .where('status', '=', sql.lit('PENDING'))
    .where((eb) => eb(eb.fn<string>('lower', ['email']), '=', anyOf(eb, v.addresses, 'text'))),
);

/** The invitation row locked, with the times the rules compare taken from the database's clock. */
const lockedInvitation = new ShapeCache((_: object, v: { id: string }) =>
  builder
    .selectFrom('invitation')
    .selectAll()
    .select((eb) => [
      expiredNow(eb),
      secondsSince(eb, 'last_sent_at').as('seconds_since_sent'),
      secondsSince(eb, 'send_window_started_at').as('window_age_seconds'),
      // The transaction's now(), so the times written agree with the database's clock, as `now()` in SQL did.
      sql<Date | string>`now()`.as('db_now'),
    ])
    .where('id', '=', v.id)
    .forUpdate(),
);

type LockedInvitation = Selectable<DB['invitation']> & {
  expired: boolean;
  seconds_since_sent: number;
  window_age_seconds: number;
  db_now: Date | string;
  /** The row as the unit of work's entity: changes to it are written when the transaction flushes. */
  entity: Invitation;
};

/**
 * Locks the invitation row (after its org's) and reads it with the times the rules compare in the
 * database; the row becomes the managed entity, so nothing else can delete it before the commit and
 * the change is written by the unit of work (no `update … where id` that might touch no row).
 */
async function lockInvitation(tx: Em, invitationId: string): Promise<LockedInvitation | undefined> {
  const found = await rowOf(tx, lockedInvitation.prepared({}, { id: invitationId }));
  if (!found) return undefined;
  const { expired, seconds_since_sent, window_age_seconds, db_now, ...columns } = found;
  return { ...found, entity: tx.map(Invitation, columns) };
}

const dateOf = (value: Date | string) => (value instanceof Date ? value : new Date(value));

const rolesOfInvitationQuery = new ShapeCache((_: object, v: { invitationId: string }) =>
  builder
    .selectFrom('invitation_role as ir')
    .innerJoin('role as r', 'r.id', 'ir.role_id')
    .select(ROLE_ROW_COLUMNS)
    .where('ir.invitation_id', '=', v.invitationId)
    .orderBy('r.position')
    .orderBy('r.name'),
);

async function rolesOfInvitation(tx: Em, invitationId: string): Promise<RoleRow[]> {
  return rowsOf(tx, rolesOfInvitationQuery.prepared({}, { invitationId }));
}

const orgOfInvitation = new ShapeCache((_: object, v: { id: string }) => builder.selectFrom('invitation').select('org_id').where('id', '=', v.id));

/**
 * Locks the invitation's org, then the invitation row, and reads the actor's permissions after the
 * lock. An invitation of an org where the actor may not see invitations answers as non-existent (R1).
 */
async function lockInvitationForAdmin(tx: Em, acting: Acting, invitationId: string) {
  const user = acting.user;
  if (!user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  const found = isUuid(invitationId)
    ? await rowOf(tx, orgOfInvitation.prepared({}, { id: invitationId }))
    : undefined;
  if (!found) throw new NotFoundError('Invitation');
  const org = await lockOrganization(tx, found.org_id);
  const invitation = await lockInvitation(tx, invitationId);
  if (!invitation) throw new NotFoundError('Invitation');
  const actorPerms = await permissionsAfterLock(tx, invitation.org_id, user);
  if (!actorPerms.has('members:read') && !actorPerms.has('members:invite')) throw new NotFoundError('Invitation');
  requirePermission(actorPerms, 'members:invite');
  const roles = await rolesOfInvitation(tx, invitation.id);
  // R3: re-sending or revoking an invitation grants or takes away its roles.
  throwRoleChangeProblems(
    checkRoleChange({ actorUserId: user.id, targetUserId: 'invitee', actorPerms, currentRoles: [], nextRoles: roles, policy: { ...acting.app.preset.policy, ownerModel: 'multiple' } }),
    { ignore: ['NO_ROLES', 'TOO_MANY_ROLES'] },
  );
  return { org, invitation, roles, user };
}

const target = (inv: { id: string; email: string }) => ({ type: 'Invitation', id: inv.id, label: inv.email });

/** R8: a new token (the old one stops working) and a new expiry; rate-limited per invitation. */
export async function resendInvitation(em: Em, acting: Acting, invitationId: string): Promise<{ invitation: Invitation; emailSent: boolean }> {
  let mail: PendingMail | undefined;
  const changed = await inTransaction(em, acting, async (tx) => {
    const { org, invitation, roles, user } = await lockInvitationForAdmin(tx, acting, invitationId);
    if (invitation.status !== 'PENDING') throw new PolicyError(`This invitation is ${invitation.status.toLowerCase()}; send a new one instead`, 'NOT_PENDING');
    if (invitation.seconds_since_sent < RESEND_MIN_INTERVAL_SECONDS) {
      const wait = Math.max(1, Math.ceil(RESEND_MIN_INTERVAL_SECONDS - invitation.seconds_since_sent));
      throw new RateLimitedError(`This invitation was just sent; try again in ${wait} seconds`, wait);
    }
    const windowOpen = invitation.window_age_seconds < DAY_SECONDS;
    if (windowOpen && invitation.send_window_count >= SENDS_PER_DAY) {
      const wait = Math.max(1, Math.ceil(DAY_SECONDS - invitation.window_age_seconds));
      throw new RateLimitedError(`This invitation was sent ${SENDS_PER_DAY} times in the last day; try again later`, wait);
    }
    const { token, hash } = newOpaqueToken();
    const expiresAt = expiryFrom(acting);
    const now = dateOf(invitation.db_now);
    tx.assign(invitation.entity, {
      tokenHash: hash,
      expiresAt,
      sendCount: invitation.send_count + 1,
      lastSentAt: now,
      sendWindowStartedAt: windowOpen ? invitation.entity.sendWindowStartedAt : now,
      sendWindowCount: windowOpen ? invitation.send_window_count + 1 : 1,
    });
    recordAudit(tx, acting.actor, {
      orgId: invitation.org_id,
      action: 'invitation.resent',
      target: target(invitation),
      before: { sendCount: invitation.send_count, expiresAt: new Date(invitation.expires_at).toISOString() },
      after: { sendCount: invitation.send_count + 1, expiresAt: expiresAt.toISOString() },
    });
    mail = { to: invitation.email, token, organizationName: org.name, inviterName: displayName(user), roleNames: roles.map((r) => r.name), expiresAt };
    return invitation.entity;
  });
  const emailSent = mail ? await sendInvitationMail(acting, mail) : false;
  return { invitation: changed, emailSent };
}

/** R8: the token stops working at once. Revoking a revoked invitation changes nothing. Answers the invitation as it now is. */
export async function revokeInvitation(em: Em, acting: Acting, invitationId: string): Promise<Invitation> {
  return inTransaction(em, acting, async (tx) => {
    const { invitation, roles } = await lockInvitationForAdmin(tx, acting, invitationId);
    if (invitation.status === 'REVOKED') return invitation.entity;
    if (invitation.status !== 'PENDING') throw new PolicyError(`This invitation is ${invitation.status.toLowerCase()}; it cannot be revoked`, 'NOT_PENDING');
    tx.assign(invitation.entity, { status: 'REVOKED', revokedAt: dateOf(invitation.db_now) });
    recordAudit(tx, acting.actor, {
      orgId: invitation.org_id,
      action: 'invitation.revoked',
      target: target(invitation),
      before: { status: invitation.expired ? 'EXPIRED' : 'PENDING', roles: roleKeys(roles) },
      after: { status: 'REVOKED' },
    });
    return invitation.entity;
  });
}

// ---------------------------------------------------------------- accepting (public, by token)

/** Tokens are 43 base64url characters; anything else is answered like an unknown token without a query. */
function tokenHashOf(token: string): string | undefined {
  const trimmed = token.trim();
  return /^[A-Za-z0-9_-]{20,200}$/.test(trimmed) ? hashToken(trimmed) : undefined;
}

export interface InvitationPreview {
  email: string;
  status: 'PENDING' | 'ACCEPTED' | 'EXPIRED';
  expiresAt: Date;
  organizationName: string;
  organizationSlug: string;
  inviterName: string | null;
  roles: { key: string; name: string; description: string }[];
  /** Whether an account with the invited email exists (sign in to accept) or one is created. */
  accountExists: boolean;
}

/** An invitation by token, with its organization, its inviter and whether an account holds its address. */
const invitationPreview = new ShapeCache((_: object, v: { hash: string }) =>
  builder
    .selectFrom('invitation as i')
    .innerJoin('organization as o', 'o.id', 'i.org_id')
    .leftJoin('user as u', 'u.id', 'i.inviter_id')
    .select((eb) => [
      'i.id',
      'i.email',
      'i.status',
      'i.expires_at',
      eb('i.expires_at', '<=', sqlNow).$castTo<boolean>().as('expired'),
      'o.name as org_name',
      'o.slug as org_slug',
      'u.first_name',
      'u.last_name',
      'u.email as inviter_email',
      eb
        .exists(
          eb
            .selectFrom('user as x')
            .select(sql.lit(1).as('one'))
            .where((x) => x(x.fn<string>('lower', ['x.email']), '=', x.fn<string>('lower', ['i.email']))),
        )
        .$castTo<boolean>()
        .as('account_exists'),
    ])
    .where('i.token_hash', '=', v.hash),
);

const previewRoles = new ShapeCache((_: object, v: { invitationId: string }) =>
  builder
    .selectFrom('invitation_role as ir')
    .innerJoin('role as r', 'r.id', 'ir.role_id')
    .select(['r.key', 'r.name', 'r.description'])
    .where('ir.invitation_id', '=', v.invitationId)
    .orderBy('r.position')
    .orderBy('r.name'),
);

/** What the accept page shows. Unknown, revoked and replaced tokens all answer null. */
export async function previewInvitation(em: Em, token: string): Promise<InvitationPreview | null> {
  const hash = tokenHashOf(token);
  if (!hash) return null;
  const row = await rowOf(em, invitationPreview.prepared({}, { hash }));
  if (!row || row.status === 'REVOKED') return null;
  const roles = await rowsOf(em, previewRoles.prepared({}, { invitationId: row.id }));
  const status = row.status === 'ACCEPTED' ? 'ACCEPTED' : row.status === 'EXPIRED' || row.expired ? 'EXPIRED' : 'PENDING';
  return {
    email: row.email,
    status,
    expiresAt: new Date(row.expires_at),
    organizationName: row.org_name,
    organizationSlug: row.org_slug,
    inviterName: row.inviter_email ? displayName({ firstName: row.first_name ?? '', lastName: row.last_name ?? '', email: row.inviter_email }) : null,
    roles,
    accountExists: row.account_exists,
  };
}

export interface AcceptInput {
  firstName?: string | null;
  lastName?: string | null;
  password?: string | null;
}

export interface AcceptResult {
  membershipId: string;
  orgId: string;
  userId: string;
  /** Tokens of a new session, when a new account was created. */
  tokens: IssuedTokens | null;
  /** The invitation's resource grants: made, or skipped with the reason (re-checked on acceptance). */
  resourceGrants: ResourceGrantOutcome[];
}

/** Typed refusal of a token in a state that cannot be accepted; revoked and replaced tokens answer like unknown ones. */
function assertAcceptable(inv: { status: string; expired: boolean } | undefined): void {
  if (!inv || inv.status === 'REVOKED') throw new InvalidInvitationError();
  if (inv.status === 'ACCEPTED') throw new InvitationAlreadyAcceptedError();
  if (inv.status === 'EXPIRED' || inv.expired) throw new InvitationExpiredError();
}

function newAccountIssues(input: AcceptInput, email: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const firstName = input.firstName?.trim() ?? '';
  const lastName = input.lastName?.trim() ?? '';
  if (firstName === '') issues.push({ path: ['firstName'], message: 'Enter your first name' });
  else if (firstName.length > 100) issues.push({ path: ['firstName'], message: 'Use at most 100 characters' });
  if (lastName.length > 100) issues.push({ path: ['lastName'], message: 'Use at most 100 characters' });
  if (!input.password) issues.push({ path: ['password'], message: 'Choose a password' });
  else issues.push(...passwordIssues(input.password, ['password'], { email }));
  return issues;
}

const invitationByToken = new ShapeCache((_: object, v: { hash: string }) =>
  builder
    .selectFrom('invitation')
    .select((eb) => ['id', 'org_id', 'email', 'status', expiredNow(eb)])
    .where('token_hash', '=', v.hash),
);

/** The preset's default role of the org, when every role of an invitation was deleted meanwhile. */
const roleByKey = new ShapeCache((_: object, v: { orgId: string; key: string }) =>
  builder.selectFrom('role').select(['id', 'key', 'name', 'permissions', 'builtin']).where('org_id', '=', v.orgId).where('key', '=', v.key),
);

/**
 * R8: a signed-in user whose email matches joins the org; a new person creates an account and is
 * signed in; an existing account must sign in first. The org row and then the invitation row are
 * locked, so two simultaneous accepts of one token give exactly one membership.
 */
export async function acceptInvitation(em: Em, acting: Acting, token: string, input: AcceptInput): Promise<AcceptResult> {
  const hash = tokenHashOf(token);
  if (!hash) throw new InvalidInvitationError();
  const found = await rowOf(em, invitationByToken.prepared({}, { hash }));
  assertAcceptable(found);
  const email = found!.email.toLowerCase();
  const signedIn = acting.user;
  // R7: an account with a pending forced password change changes nothing else, public paths included.
  if (signedIn?.mustChangePassword) throw new AuthError('PASSWORD_CHANGE_REQUIRED', 'Change your temporary password to continue');
  let passwordHash: string | undefined;
  if (signedIn) {
    // A service account's stand-in has no address (and no id): it is never the invitee.
    if (signedIn.id === null || signedIn.email.toLowerCase() !== email) throw new InvitationEmailMismatchError();
  } else {
    if (await accountHolding(em, email) === 'PROVEN') throw new SignInRequiredError(email);
    const issues = newAccountIssues(input, email);
    if (issues.length) throw new ValidationError(issues);
    passwordHash = await hashPassword(input.password!); // outside the transaction: argon2 is deliberately slow
  }

  return inTransaction(em, acting, async (tx) => {
    const org = await lockOrganization(tx, found!.org_id);
    const inv = await lockInvitation(tx, found!.id);
    // Re-checked under the lock: a concurrent accept, revoke or resend may have won.
    assertAcceptable(inv?.token_hash === hash ? inv : undefined);
    if (org.status !== 'ACTIVE') throw new PolicyError('This organization is disabled', 'DISABLED');
    const now = dateOf(inv!.db_now);

    let userId: string;
    let created = false;
    let claimed = false;
    if (signedIn) {
      userId = signedIn.id;
      // The account row, locked as the UPDATE it replaces would have (org row first, then the account).
      const account = await lockedUser(tx, 'id', userId);
      if (!account) throw new NotFoundError('User');
      // R20: the link reached this mailbox, so its holder proved the address.
      account.user.emailVerifiedAt ??= now;
    } else {
      const holder = await lockedUser(tx, 'email', email);
      if (holder?.user.emailVerifiedAt) throw new SignInRequiredError(email);
      if (holder) {
        // R20: an account holds this address without ever having proved it (created by an administrator
        // elsewhere). The invitee just proved it, so the account becomes theirs: their password, their
        // names, every earlier session ended.
        userId = holder.user.id;
        tx.assign(holder.user, {
          firstName: input.firstName!.trim(),
          lastName: input.lastName?.trim() ?? '',
          passwordHash: passwordHash!,
          mustChangePassword: false,
          passwordChangedAt: now,
          emailVerifiedAt: now,
        });
        await revokeAllSessions(tx, userId);
        claimed = true;
      } else {
        userId = crypto.randomUUID();
        tx.create(User, { id: userId, email, firstName: input.firstName!.trim(), lastName: input.lastName?.trim() ?? '', passwordHash: passwordHash!, mustChangePassword: false, emailVerifiedAt: now });
      }
      created = true;
    }
    // The membership is written next by the memberships module, which references the account row:
    // the account goes out first (a no-op when nothing about it changed).
    await tx.flush();

    let roles = await rolesOfInvitation(tx, inv!.id);
    if (roles.length === 0) {
      // Every role of the invitation was deleted meanwhile: the preset's default role.
      roles = await rowsOf(tx, roleByKey.prepared({}, { orgId: org.id, key: acting.app.preset.defaultRoleKey }));
    }
    const existing = await findMembershipOf(tx, org.id, userId);
    const membershipId = existing?.id ?? (await insertMembership(tx, { orgId: org.id, userId, roleIds: roles.map((r) => r.id), addedById: inv!.inviter_id }));
    // Resource grants are re-checked now against the inviter's current rights; what is no longer allowed is skipped.
    const resourceGrants = await applyInvitationResourceGrants(tx, acting.app.preset, inv!, { membershipId, userId });
    tx.assign(inv!.entity, { status: 'ACCEPTED', acceptedAt: now, acceptedById: userId });
    const actor = signedIn ? acting.actor : { ...acting.actor, userId, label: email };
    recordAudit(tx, actor, {
      orgId: org.id,
      action: 'invitation.accepted',
      target: target(inv!),
      before: { status: 'PENDING' },
      after: {
        status: 'ACCEPTED',
        userId,
        membershipId,
        accountCreated: created && !claimed,
        accountClaimed: claimed,
        alreadyMember: Boolean(existing),
        roles: existing ? [] : roleKeys(roles),
        ...(resourceGrants.length
          ? {
              resourceGrants: resourceGrants.filter((g) => g.applied).map((g) => ({ resourceId: g.resourceId, roleKey: g.roleKey })),
              resourceGrantsSkipped: resourceGrants.filter((g) => !g.applied).map((g) => ({ resourceId: g.resourceId, roleKey: g.roleKey, reason: g.reason })),
            }
          : {}),
      },
    });
    const tokens = created ? await startSession(acting.app, tx, await tx.findOneOrFail(User, { id: userId }), actor) : null;
    return { membershipId, orgId: org.id, userId, tokens, resourceGrants };
  });
}

/** The account row by id or by (lower-cased) address, locked `for no key update`. */
const lockedUserBy = new ShapeCache((shape: { by: 'id' | 'email' }, v: { value: string }) =>
  builder
    .selectFrom('user')
    .selectAll()
    .where((eb) => eb(shape.by === 'id' ? eb.ref('id') : eb.fn<string>('lower', ['email']), '=', v.value))
    .forNoKeyUpdate(),
);

/**
 * The account row `for no key update` (what an UPDATE of it takes), as the managed entity: the org
 * row is locked first (see the lock order in docs/architecture.md).
 */
async function lockedUser(tx: Em, by: 'id' | 'email', value: string): Promise<{ user: User } | undefined> {
  const found = await rowOf(tx, lockedUserBy.prepared({ by }, { value }));
  return found ? { user: tx.map(User, found) } : undefined;
}

const emailVerified = new ShapeCache((_: object, v: { email: string }) =>
  builder
    .selectFrom('user')
    .select((eb) => eb('email_verified_at', 'is not', null).$castTo<boolean>().as('verified'))
    .where((eb) => eb(eb.fn<string>('lower', ['email']), '=', v.email)),
);

/** Whether an account holds this address, and whether its holder proved it (R20). */
async function accountHolding(em: Em, email: string): Promise<'NONE' | 'UNPROVEN' | 'PROVEN'> {
  const row = await rowOf(em, emailVerified.prepared({}, { email }));
  return row ? (row.verified ? 'PROVEN' : 'UNPROVEN') : 'NONE';
}
