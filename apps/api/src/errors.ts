/**
 * Domain errors thrown by services. The GraphQL layer exposes the business-rule ones as typed
 * union members of mutation results; authentication and permission failures become top-level
 * errors with `extensions.code`.
 */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  path: string[];
  message: string;
}

export class ValidationError extends DomainError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') || 'Invalid input');
    this.issues = issues;
  }
  static field(path: string | string[], message: string): ValidationError {
    return new ValidationError([{ path: Array.isArray(path) ? path : [path], message }]);
  }
}

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('Email or password is incorrect');
  }
}

export class TooManyAttemptsError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(`Too many failed attempts; try again in ${retryAfterSeconds} seconds`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class InvalidRefreshTokenError extends DomainError {
  constructor() {
    super('The session has ended; sign in again');
  }
}

export class NotFoundError extends DomainError {
  constructor(what = 'Resource') {
    super(`${what} not found`);
  }
}

export class LastOwnerError extends DomainError {
  constructor(message = 'The organization must keep at least one active owner') {
    super(message);
  }
}

export class GrantCeilingError extends DomainError {
  readonly roleKeys: string[];
  readonly ownerOnly: boolean;
  constructor(roleKeys: string[], ownerOnly: boolean) {
    super(
      ownerOnly
        ? `Only owners may grant or take away ${roleKeys.join(', ')}`
        : `You cannot grant or take away ${roleKeys.join(', ')}: it holds permissions you do not have`,
    );
    this.roleKeys = roleKeys;
    this.ownerOnly = ownerOnly;
  }
}

/** R4 (packages/permissions selfRoleChangeVerdict): the reason says why, the message what to do. */
export class SelfRoleChangeError extends DomainError {
  readonly reason: 'NO_SELF_ROLE_CHANGE' | 'OWNER_MAY_ONLY_LOWER';
  constructor(message = 'Nobody changes their own roles: ask another member who manages them', reason: SelfRoleChangeError['reason'] = 'NO_SELF_ROLE_CHANGE') {
    super(message);
    this.reason = reason;
  }
}

/** R19: the role given on a resource is more than the grantee's organization role may hold there. */
export class ResourceRoleCapError extends DomainError {
  readonly roleKey: string;
  readonly allowedRoleKeys: string[];
  constructor(message: string, roleKey: string, allowedRoleKeys: string[]) {
    super(message);
    this.roleKey = roleKey;
    this.allowedRoleKeys = allowedRoleKeys;
  }
}

export class LimitExceededError extends DomainError {
  readonly limit: number;
  constructor(message: string, limit: number) {
    super(message);
    this.limit = limit;
  }
}

export class ConflictError extends DomainError {
  readonly field: string[];
  constructor(message: string, field: string[]) {
    super(message);
    this.field = field;
  }
}

/** Why a PolicyError refused: one typed value per kind of refusal, so clients can branch (schema enum PolicyErrorCode). */
export const POLICY_ERROR_CODES = {
  PRESET_DISALLOWS: "The active preset does not work this way (invitations or provisioning off, built-in roles fixed, several owners instead of transfer).",
  SELF_ACTION: 'Not on yourself: disable, remove or delete your own membership or account, change your own password here (leave or use My account).',
  SINGLE_OWNER: 'The organization has exactly one owner; ownership moves only by transfer (R6).',
  NOT_PENDING: 'The invitation or ownership transfer is no longer pending.',
  DISABLED: 'The organization or your membership in it is disabled (R10).',
  OUTSIDE_AUTHORITY: 'The person is outside what you administer: a platform admin, someone in organizations you do not administer, or above your role.',
  LEAVE_NOT_ALLOWED: 'Your role may not leave this organization.',
  NOT_PERMITTED: 'Another refusal of the preset or the rules; the message says which.',
} as const;
export type PolicyErrorCode = keyof typeof POLICY_ERROR_CODES;

export class PolicyError extends DomainError {
  readonly code: PolicyErrorCode;
  constructor(message: string, code: PolicyErrorCode = 'NOT_PERMITTED') {
    super(message);
    this.code = code;
  }
}

/** Top-level errors (not typed union members). */
export class AuthError extends Error {
  readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'PASSWORD_CHANGE_REQUIRED';
  constructor(code: AuthError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export class RoleInUseError extends DomainError {
  readonly memberCount: number;
  constructor(memberCount: number) {
    super(`${memberCount} member${memberCount === 1 ? ' holds' : 's hold'} this role; delete with force to take it from them`);
    this.memberCount = memberCount;
  }
}

/** R8: unknown, revoked or replaced (resent) invitation token: one answer, so tokens cannot be probed. */
export class InvalidInvitationError extends DomainError {
  constructor() {
    super('This invitation link is not valid; ask for a new invitation');
  }
}

export class InvitationExpiredError extends DomainError {
  constructor() {
    super('This invitation has expired; ask for a new one');
  }
}

export class InvitationAlreadyAcceptedError extends DomainError {
  constructor() {
    super('This invitation was already accepted');
  }
}

/** R20: an unknown, used, expired or outdated email confirmation link: one answer for all. */
export class InvalidEmailTokenError extends DomainError {
  constructor() {
    super('This confirmation link is not valid any more; ask for a new one');
  }
}

/** Signed in with an account whose email is not the invited one. */
export class InvitationEmailMismatchError extends DomainError {
  constructor() {
    super('This invitation is for a different email address; sign out and accept it with the invited account');
  }
}

/** An account with the invited email exists: sign in with it, then accept. */
export class SignInRequiredError extends DomainError {
  readonly email: string;
  constructor(email: string) {
    super('An account with this email already exists; sign in to accept the invitation');
    this.email = email;
  }
}

export class RateLimitedError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A row read back after a write: one removed meanwhile by a concurrent request answers NotFoundError, never a 500. */
export function found<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new NotFoundError(what);
  return value;
}
