import { builder } from '../builder.ts';
import {
  ConflictError,
  DomainError,
  GrantCeilingError,
  InvalidCredentialsError,
  InvalidEmailTokenError,
  InvalidInvitationError,
  InvalidRefreshTokenError,
  InvitationAlreadyAcceptedError,
  InvitationEmailMismatchError,
  InvitationExpiredError,
  LastOwnerError,
  LimitExceededError,
  NotFoundError,
  POLICY_ERROR_CODES,
  PolicyError,
  type PolicyErrorCode,
  RateLimitedError,
  ResourceRoleCapError,
  SelfRoleChangeError,
  SignInRequiredError,
  TooManyAttemptsError,
  ValidationError,
  type FieldIssue,
} from '../../errors.ts';

/** Every typed business error implements this interface, so clients can select `message` generically. */
export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with one input field; `path` names the field, e.g. ["input", "emails", "2"].',
  fields: (t) => ({
    path: t.exposeStringList('path'),
    message: t.exposeString('message'),
  }),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function errorType<T extends DomainError>(cls: new (...args: any[]) => T, name: string, description: string) {
  return builder.objectType(cls, {
    name,
    description,
    interfaces: [ErrorInterface] as never,
    isTypeOf: (value: unknown) => value instanceof cls,
    fields: () => ({}),
  });
}

errorType(InvalidCredentialsError, 'InvalidCredentialsError', 'Unknown email or wrong password: the answer is the same for both.');
errorType(InvalidRefreshTokenError, 'InvalidRefreshTokenError', 'The refresh token is unknown, expired, revoked or was already used.');
errorType(InvalidEmailTokenError, 'InvalidEmailTokenError', 'The email confirmation link is unknown, used, expired or outdated (R20).');
errorType(NotFoundError, 'NotFoundError', 'Nothing with that ID exists that you can see.');
errorType(LastOwnerError, 'LastOwnerError', 'The change would leave the organization without an active owner (R5).');
const SelfRoleChangeReasonEnum = builder.enumType('SelfRoleChangeReason', {
  description: 'Why a change of your own roles was refused (R4; one rule for organization and resource roles, packages/permissions selfRoleChangeVerdict).',
  values: {
    NO_SELF_ROLE_CHANGE: { description: 'Nobody changes their own roles: another member who manages them must.' },
    OWNER_MAY_ONLY_LOWER: { description: 'Where owners may lower their own roles (CloudTruth), they may not raise them.' },
  } as const,
});

builder.objectType(SelfRoleChangeError, {
  name: 'SelfRoleChangeError',
  description:
    'You manage these roles, but not your own (R4). Who does not manage them at all gets a top-level FORBIDDEN, for their own roles as for anyone\'s; ' +
    'the only owner lowering themselves gets LastOwnerError (make another user owner first).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof SelfRoleChangeError,
  fields: (t) => ({ reason: t.field({ type: SelfRoleChangeReasonEnum, resolve: (e) => e.reason }) }),
});

const PolicyErrorCodeEnum = builder.enumType('PolicyErrorCode', {
  description: 'Why a PolicyError refused; branch on this, not on the message.',
  values: Object.fromEntries(Object.entries(POLICY_ERROR_CODES).map(([key, description]) => [key, { description }])) as Record<PolicyErrorCode, { description: string }>,
});

builder.objectType(PolicyError, {
  name: 'PolicyError',
  description: 'The active preset or a rule does not allow this; `code` says which.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PolicyError,
  fields: (t) => ({ code: t.field({ type: PolicyErrorCodeEnum, resolve: (e) => e.code }) }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'Bad input: every problem names its field. Nothing was stored.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ issues: t.field({ type: [FieldIssueRef], resolve: (e) => e.issues }) }),
});

builder.objectType(TooManyAttemptsError, {
  name: 'TooManyAttemptsError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof TooManyAttemptsError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(GrantCeilingError, {
  name: 'GrantCeilingError',
  description: 'You may only grant or take away roles whose permissions you hold yourself (R3).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof GrantCeilingError,
  fields: (t) => ({ roleKeys: t.exposeStringList('roleKeys'), ownerOnly: t.exposeBoolean('ownerOnly') }),
});

builder.objectType(ResourceRoleCapError, {
  name: 'ResourceRoleCapError',
  description: "The grantee's organization role caps what they may hold on this resource (R19); allowedRoleKeys are the roles they may be given.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ResourceRoleCapError,
  fields: (t) => ({ roleKey: t.exposeString('roleKey'), allowedRoleKeys: t.exposeStringList('allowedRoleKeys') }),
});

builder.objectType(LimitExceededError, {
  name: 'LimitExceededError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LimitExceededError,
  fields: (t) => ({ limit: t.exposeInt('limit') }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The value is already taken (e.g. an email or slug).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ConflictError,
  fields: (t) => ({ path: t.exposeStringList('field') }),
});

errorType(InvalidInvitationError, 'InvalidInvitationError', 'The invitation token is unknown, revoked or replaced by a newer one: one answer for all three (R8).');
errorType(InvitationExpiredError, 'InvitationExpiredError', 'The invitation has expired; ask for a new one (R8).');
errorType(InvitationAlreadyAcceptedError, 'InvitationAlreadyAcceptedError', 'The invitation token was already used: tokens are single-use (R8).');
errorType(InvitationEmailMismatchError, 'InvitationEmailMismatchError', 'Signed in as someone other than the invited email (R8).');

builder.objectType(SignInRequiredError, {
  name: 'SignInRequiredError',
  description: 'An account with the invited email exists: sign in with it, then accept (R8).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof SignInRequiredError,
  fields: (t) => ({ email: t.exposeString('email') }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Done too often; retry after the given number of seconds.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

/** Error sets shared by many mutations. */
export const COMMON_ERRORS = [ValidationError, NotFoundError];
