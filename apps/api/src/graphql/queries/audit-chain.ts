import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { AuditEventRef } from '../types/audit-event.ts';
import { badInput } from '../pagination.ts';
import { verifyAuditChain, type AuditChainReport, type ChainProblem } from '../../modules/audit/audit.chain.ts';
import type { Context } from '../../context.ts';

/** Events one request may verify in total, over every auditChain field it selects (R22). */
export const AUDIT_CHAIN_REQUEST_BUDGET = 100_000;
const spent = new WeakMap<Context, number>();

const AuditChainProblemEnum = builder.enumType('AuditChainProblem', {
  description: 'What broke the chain first (docs/audit-log.md).',
  values: {
    HASH_MISMATCH: { description: 'The stored hash does not follow from the previous hash and this content: altered, reordered, or inserted around the trigger.' },
    SEQUENCE_GAP: { description: 'Positions are missing before this event: events were deleted.' },
    TRUNCATED: { description: 'The last events are missing: the chain head is past the last event.' },
    BEYOND_HEAD: { description: 'An event sits past the chain head (written around the trigger, or the head was moved back).' },
    HEAD_MISSING: { description: 'Events exist but the chain has no head.' },
    HEAD_MISMATCH: { description: "The last event's hash differs from the head hash." },
  } satisfies Record<ChainProblem, { description: string }>,
});

const AuditChainVerificationRef = builder.objectRef<AuditChainReport>('AuditChainVerification').implement({
  description:
    'Result of recomputing the hash chain of an audit log (R13): every event is hashed with the previous one, so an altered, ' +
    'deleted, reordered or truncated event breaks the chain. Keep headHash outside Gatehouse to detect a wholesale rewrite later.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'True when every checked event chains correctly.' }),
    complete: t.exposeBoolean('complete', { description: 'False when the walk stopped at maxEvents or the request budget before the head; continue with fromSeq: lastSeq + 1.' }),
    eventsChecked: t.exposeInt('eventsChecked'),
    lastSeq: t.exposeInt('lastSeq', { description: 'Position of the last event checked (0 when none).' }),
    headSeq: t.exposeInt('headSeq', { description: 'Position of the newest event, from the chain head.' }),
    headHash: t.exposeString('headHash', { nullable: true, description: 'Hash of the newest event (hex).' }),
    firstBrokenEventId: t.id({
      nullable: true,
      description: 'Global id of the first event where the chain breaks (null when ok, or when the broken part is a missing tail).',
      resolve: (r) => (r.firstBrokenEventId ? Buffer.from(`AuditEvent:${r.firstBrokenEventId}`).toString('base64') : null),
    }),
    firstBrokenSeq: t.exposeInt('firstBrokenSeq', { nullable: true }),
    problem: t.field({ type: AuditChainProblemEnum, nullable: true, resolve: (r) => r.problem }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

const MAX_EVENTS = 100_000;

const FROM_SEQ = 'Start at this position, trusting the stored hash of the one before (default 1: the whole chain).';
const MAX_EVENTS_DOC = `Check at most this many events (1 to ${MAX_EVENTS}, the default; ${AUDIT_CHAIN_REQUEST_BUDGET} per request in all).`;

async function verifyWithin(ctx: Context, orgId: string | null, args: { fromSeq?: number | null; maxEvents?: number | null }) {
  const fromSeq = args.fromSeq ?? 1;
  const maxEvents = args.maxEvents ?? MAX_EVENTS;
  if (!Number.isInteger(fromSeq) || fromSeq < 1) throw badInput('fromSeq', 'Use 1 or more');
  if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > MAX_EVENTS) throw badInput('maxEvents', `Use 1 to ${MAX_EVENTS}`);
  const used = spent.get(ctx) ?? 0;
  // Verification reads rows outside any transaction: on the request's forked EntityManager.
  const report = await verifyAuditChain(ctx.em, orgId, { fromSeq, maxEvents: Math.max(0, Math.min(maxEvents, AUDIT_CHAIN_REQUEST_BUDGET - used)) });
  spent.set(ctx, used + report.eventsChecked);
  return report;
}

builder.objectFields(OrganizationRef, (t) => ({
  auditChain: t.field({
    type: AuditChainVerificationRef,
    nullable: true,
    description: 'Recomputes the hash chain of this organization\'s audit log (audit:read); null without permission.',
    authScopes: (org) => ({ orgPermission: `${org.id}:audit:read` }),
    unauthorizedResolver: () => null,
    args: {
      fromSeq: t.arg.int({ description: FROM_SEQ, defaultValue: 1 }),
      maxEvents: t.arg.int({ description: MAX_EVENTS_DOC, defaultValue: MAX_EVENTS }),
    },
    resolve: (org, args, ctx) => verifyWithin(ctx, org.id, args),
  }),
}));

builder.queryField('platformAuditChain', (t) =>
  t.field({
    type: AuditChainVerificationRef,
    authScopes: { platformAdmin: true },
    description: 'Recomputes the hash chain of the platform audit events (no organization: sign-ins, account changes). Platform admins only.',
    args: {
      fromSeq: t.arg.int({ description: FROM_SEQ, defaultValue: 1 }),
      maxEvents: t.arg.int({ description: MAX_EVENTS_DOC, defaultValue: MAX_EVENTS }),
    },
    resolve: (_root, args, ctx) => verifyWithin(ctx, null, args),
  }),
);

builder.objectFields(AuditEventRef, (t) => ({
  seq: t.int({ description: 'Position in its chain: one chain per organization, one for platform events (R13).', resolve: (e) => Number(e.seq) }),
  hash: t.string({ description: 'sha256(hash of the previous event || canonical content), hex (docs/audit-log.md).', resolve: (e) => Buffer.from(e.hash).toString('hex') }),
}));
