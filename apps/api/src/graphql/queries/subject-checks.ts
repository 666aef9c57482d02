import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { resourceGid, resourceIdOf } from '../resource-id.ts';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { badInput, pageArgs, toPage } from '../pagination.ts';
import { isUuid } from '../../ids.ts';
import { accessible, answerChecks, holders, MAX_CHECKS, type CheckAnswer, type Holder, type Subject } from '../../modules/checks/subject-checks.ts';
import type { ResourceRow } from '../../modules/resources/resource.service.ts';

/**
 * The check API for services (R23): questions about any member or service account of one
 * organization, asked by holders of permissions:check there (a person, a token or a service
 * account). Subjects are global ids (User:…, ServiceAccount:…); resources are plain ids, as in `can`.
 */

const SUBJECT_KINDS = new Set(['User', 'ServiceAccount']);

/** A subject id that is not a User or ServiceAccount global id answers NO_SUCH_SUBJECT, never an error. */
function parseSubject(id: string): Subject {
  try {
    const { typename, id: raw } = decodeGlobalID(id);
    if (SUBJECT_KINDS.has(typename) && isUuid(raw)) return { kind: typename as Subject['kind'], id: raw };
  } catch {
    // fall through
  }
  return { kind: 'User', id: '' };
}

const CheckReasonEnum = builder.enumType('PermissionCheckReason', {
  values: {
    ALLOWED: { description: 'A role of the subject grants it.' },
    NOT_GRANTED: { description: 'The subject is active in the organization, and no role grants it.' },
    NO_SUCH_SUBJECT: { description: 'Not an active member or service account of this active organization (or no such subject at all: R1).' },
    UNKNOWN_PERMISSION: { description: 'Not a permission of the catalog.' },
    NO_SUCH_RESOURCE: { description: 'No resource with this id in this organization.' },
  } as const,
});

const GrantSourceRef = builder.objectRef<CheckAnswer['grantedBy'][number]>('PermissionGrantSource').implement({
  fields: (t) => ({
    source: t.exposeString('source', { description: 'ORGANIZATION_ROLE or RESOURCE_ROLE.' }),
    key: t.exposeString('key', { description: 'Role key, or the resource type for a resource role.' }),
    name: t.exposeString('name'),
  }),
});

const CheckAnswerRef = builder.objectRef<CheckAnswer & { subjectGid: string }>('PermissionCheckAnswer').implement({
  fields: (t) => ({
    subject: t.exposeID('subjectGid', { description: 'The subject as asked.' }),
    permission: t.exposeString('permission'),
    resourceId: t.id({ nullable: true, resolve: (a) => (a.resourceId == null ? null : resourceGid(a.resourceId)) }),
    allowed: t.exposeBoolean('allowed'),
    reason: t.field({ type: CheckReasonEnum, resolve: (a) => a.reason }),
    grantedBy: t.field({ type: [GrantSourceRef], description: 'The roles that grant it (explainPermission for this subject).', resolve: (a) => a.grantedBy }),
  }),
});

const PermissionCheckInput = builder.inputType('PermissionCheckInput', {
  fields: (t) => ({
    subject: t.id({ required: true, description: 'A User or ServiceAccount global id.' }),
    permission: t.string({ required: true }),
    resourceId: t.id(),
  }),
});

builder.queryField('checkPermissions', (t) =>
  t.field({
    type: [CheckAnswerRef],
    description: `Many questions (subject, permission, optional resource) in one request, one answer each, in order; at most ${MAX_CHECKS}. Needs permissions:check. Reads committed state now (R2).`,
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:permissions:check` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      checks: t.arg({ type: [PermissionCheckInput], required: true }),
    },
    resolve: async (_r, args, ctx) => {
      if (args.checks.length > MAX_CHECKS) throw badInput('checks', `Ask at most ${MAX_CHECKS} at once`);
      const questions = args.checks.map((c) => ({ subject: parseSubject(String(c.subject)), permission: c.permission, resourceId: c.resourceId == null ? null : resourceIdOf(c.resourceId) }));
      const answers = await answerChecks(ctx.em, ctx.app.preset, args.organizationId.id, questions);
      return answers.map((a, i) => ({ ...a, subjectGid: String(args.checks[i]!.subject) }));
    },
  }),
);

const HolderKindEnum = builder.enumType('PermissionHolderKind', {
  values: { USER: { description: 'A member (a person).' }, SERVICE_ACCOUNT: { description: 'A service account of the organization (R23).' } } as const,
});

const HolderRef = builder.objectRef<Holder>('PermissionHolder').implement({
  description: 'A member or a service account holding a permission (whoCan). permissions:check holders see who they are.',
  fields: (t) => ({
    kind: t.field({ type: HolderKindEnum, resolve: (h) => (h.kind === 'User' ? 'USER' : 'SERVICE_ACCOUNT') }),
    subject: t.id({ description: 'The User or ServiceAccount global id, as checkPermissions takes it.', resolve: (h) => encodeGlobalID(h.kind, h.id) }),
    name: t.exposeString('name', { description: 'The member’s email, or the service account’s name.' }),
    userId: t.id({ nullable: true, description: 'Null for a service account.', resolve: (h) => (h.kind === 'User' ? encodeGlobalID('User', h.id) : null) }),
    membershipId: t.id({ nullable: true, description: 'Null for a service account.', resolve: (h) => (h.kind === 'User' ? encodeGlobalID('Membership', h.membershipId) : null) }),
    email: t.exposeString('email', { nullable: true, description: 'Null for a service account.' }),
  }),
});

builder.queryField('whoCan', (t) =>
  t.connection({
    type: HolderRef,
    description: 'Active members and service accounts holding a permission on the organization, or on one resource (org roles and resource roles add up; a service account through its organization roles), by id. Needs permissions:check.',
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:permissions:check` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      permission: t.arg.string({ required: true }),
      resourceId: t.arg.id(),
    },
    resolve: async (_r, args, ctx) => {
      const orgId = args.organizationId.id;
      const page = pageArgs(args, { list: `who-can:${orgId}:${args.permission}:${args.resourceId ?? ''}`, sort: 'none', id: 'uuid' });
      const resourceId = args.resourceId == null ? null : resourceIdOf(args.resourceId);
      if (resourceId !== null && !isUuid(resourceId)) throw badInput('resourceId', 'No resource with this id in this organization');
      const rows = await holders(ctx.em, ctx.app.preset, orgId, args.permission, resourceId, page.after?.[1] ?? null, page.first + 1);
      if (rows === 'NO_SUCH_RESOURCE') throw badInput('resourceId', 'No resource with this id in this organization');
      return toPage(rows, page, (h) => [null, h.id]);
    },
  }),
);

const AccessibleResourceRef = builder.objectRef<ResourceRow>('AccessibleResource').implement({
  fields: (t) => ({
    id: t.id({ description: 'The resource id, as `can` and checkPermissions take it.', resolve: (r) => resourceGid(r.id) }),
    type: t.exposeString('type'),
    name: t.exposeString('name'),
  }),
});

builder.queryField('accessibleResources', (t) =>
  t.connection({
    type: AccessibleResourceRef,
    description: 'Resources of a type in the organization on which a subject (member or service account) holds a permission, by id. Needs permissions:check.',
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:permissions:check` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      subject: t.arg.id({ required: true, description: 'A User or ServiceAccount global id.' }),
      resourceType: t.arg.string({ required: true }),
      permission: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      const orgId = args.organizationId.id;
      const subject = parseSubject(String(args.subject));
      const page = pageArgs(args, { list: `accessible:${orgId}:${subject.kind}:${subject.id}:${args.resourceType}:${args.permission}`, sort: 'none', id: 'uuid' });
      const rows = await accessible(ctx.em, ctx.app.preset, orgId, subject, args.resourceType, args.permission, page.after?.[1] ?? null, page.first + 1);
      return toPage(rows, page, (r) => [null, r.id]);
    },
  }),
);
