/**
 * Issue 10: the audit export's keyset batches are built from the audit log's own filter terms
 * (audit.queries.ts) through the typed builder, one named statement per filter shape and format,
 * values bound, never in the text. Walked batch by batch they come in chain order (seq as a number,
 * never as the text selected under the same name) and hold exactly what the filtered list counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { exec, rows } from '../src/db/sql.ts';
import { exportBatch } from '../src/modules/audit/audit.export.ts';
import { countAuditEvents, type AuditFilter } from '../src/modules/audit/audit.queries.ts';
import { createOrg, createUser, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
let orgId: string;
let actorId: string;
/** Over two batches of 500, so the keyset crosses seq 9/10, 99/100 and 500/501. */
const SEEDED = 1_100;

beforeAll(async () => {
  ts = await startTestServer();
  const owner = await createUser(ts.orm);
  actorId = owner.id;
  orgId = (await createOrg(ts, 'Export Batches', owner.id)).id;
  await exec(
    emOf(ts.orm),
    `insert into audit_event (org_id, actor_user_id, actor_label, action, target_type, target_id, request_id)
     select $1::uuid, case when i % 3 = 0 then $2::uuid end, 'seed', case when i % 2 = 0 then 'membership.roles_changed' else 'role.updated' end,
            'Membership', 'm' || (i % 5), 'seed-' || i
       from generate_series(1, $3::int) i`,
    [orgId, owner.id, SEEDED],
  );
}, 120_000);
afterAll(async () => ts?.close());

/** Every batch of an export, as the handler reads them: the next one after the last seq of a full batch. */
async function walk(format: 'csv' | 'ndjson', filter: AuditFilter): Promise<{ seqs: number[]; statements: Set<string> }> {
  const batchAfter = exportBatch(format, orgId, filter);
  const seqs: number[] = [];
  const statements = new Set<string>();
  let after = 0;
  for (;;) {
    const { statement, values } = batchAfter(after);
    statements.add(statement.name);
    const batch = await rows<{ seq: string }>(emOf(ts.orm), statement, values);
    seqs.push(...batch.map((r) => Number(r.seq)));
    if (batch.length < 500) break;
    after = Number(batch.at(-1)!.seq);
  }
  return { seqs, statements };
}

const filters: [string, AuditFilter][] = [
  ['none', {}],
  ['family', { action: 'membership.' }],
  ['exact action and actor', { action: 'role.updated', actorUserId: '' }],
  ['target and period', { targetType: 'Membership', targetId: 'm3', from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) }],
];

describe('R13 audit export batches through the typed builder', () => {
  it.each(filters)('R13 filter %s: chain order, nothing missing or repeated, the count of the filtered list', async (_, given) => {
    const filter = { ...given, ...(given.actorUserId === '' ? { actorUserId: actorId } : {}) };
    for (const format of ['csv', 'ndjson'] as const) {
      const { seqs, statements } = await walk(format, filter);
      expect(statements.size).toBe(1);
      expect(seqs.length).toBe(await countAuditEvents(emOf(ts.orm), orgId, filter));
      expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
      expect(seqs.length).toBeGreaterThan(0);
    }
  });

  it('R13 one named statement per filter shape and format, its values bound and never in its text', () => {
    const filter: AuditFilter = { action: 'membership.', actorUserId: actorId, targetType: 'Membership', targetId: 'needle-target', from: new Date('2001-02-03T04:05:06Z'), to: new Date('2031-02-03T04:05:06Z') };
    const batch = exportBatch('ndjson', orgId, filter)(1234);
    for (const value of [orgId, actorId, 'membership.', 'needle-target', '2001-02-03', '2031-02-03', '1234']) expect(batch.statement.text).not.toContain(value);
    expect(batch.values).toEqual([orgId, actorId, 'membership.%', 'Membership', 'needle-target', '2001-02-03T04:05:06.000Z', '2031-02-03T04:05:06.000Z', 1234]);
    // Other values of the same shape: the same statement; another shape or format: another one.
    const other = exportBatch('ndjson', crypto.randomUUID(), { ...filter, action: 'role.', targetId: 'x' })(7);
    expect(other.statement).toEqual(batch.statement);
    expect(exportBatch('csv', orgId, filter)(1234).statement.name).not.toBe(batch.statement.name);
    expect(exportBatch('ndjson', orgId, { ...filter, action: 'role.updated' })(1234).statement.name).not.toBe(batch.statement.name);
    // The batch size stays constant text; the keyset orders by the column, not the text selected as seq.
    expect(batch.statement.text).toMatch(/order by "audit_event"\."seq" limit 500$/);
  });
});
