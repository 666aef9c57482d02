/**
 * R13 the audit export's lines (modules/audit/audit.export-format.ts) are written by hand for speed;
 * their bytes must stay those of the former writer: csv-stringify with the export's options for CSV,
 * an object of normalized columns through JSON.stringify for NDJSON. Both former writers are kept
 * here as the reference and fed the values a row can hold, including hostile ones.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { canonicalContent } from '../src/modules/audit/audit.chain.ts';
import { COLUMNS, CSV_HEADER, csvLine, ndjsonLine, type ExportRow } from '../src/modules/audit/audit.export-format.ts';

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value ?? null;
}

/** The CSV writer the export had before (csv-stringify 6). */
function formerCsv(rows: readonly Record<string, unknown>[]): string {
  const defuseFormula = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
  return stringify(
    rows.map((row) => COLUMNS.map((c) => normalize(row[c]))),
    { cast: { date: (d) => d.toISOString(), object: (o) => JSON.stringify(o), string: defuseFormula }, eof: true },
  );
}

/** The NDJSON writer the export had before. */
function formerNdjson(row: Record<string, unknown>): string {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const canonical = canonicalContent({
    seq: String(row.seq),
    id: String(row.id),
    org_id: text(row.org_id),
    actor_user_id: text(row.actor_user_id),
    actor_label: String(row.actor_label),
    action: String(row.action),
    target_type: text(row.target_type),
    target_id: text(row.target_id),
    target_label: text(row.target_label),
    before: text(row.before_text),
    after: text(row.after_text),
    ip: text(row.ip),
    user_agent: text(row.user_agent),
    request_id: text(row.request_id),
    created_us: String(row.created_us),
  });
  return `${JSON.stringify({ ...Object.fromEntries(COLUMNS.map((c) => [c, normalize(row[c])])), seq: Number(row.seq), canonical })}\n`;
}

/** Cell values a row may carry: text columns as typed by users, jsonb as pg parses it, dates, numbers. */
const CELLS: unknown[] = [
  null,
  undefined,
  '',
  'plain',
  'user1@bench.test',
  '=SUM(A1:A9)',
  '+1',
  '-1',
  '@cmd',
  '\tindented',
  '\rreturn',
  'a,b',
  'say "hi"',
  'two\nlines',
  'cr\rinside',
  ' leading space',
  'ünïcödé ✓ 🎉',
  '{"roles": ["developer"], "n": 1.50}',
  '[1, "a,b", {"q": "\\"x\\""}]',
  '{not json',
  '[',
  '{}',
  '[]',
  '=',
  "'already quoted",
  '2026-11-24 11:57:47.001+00',
  new Date('2026-11-24T11:57:47.001Z'),
  { roles: ['developer', 'a "b", c'] },
  { status: 'ACTIVE', nested: { line: 'x\ny', eq: '=1' } },
  [],
  ['=x', 1, null],
  'said "=1"',
  42,
  -7,
  1.5,
  12345678901234567890n,
  true,
  false,
];

function rowOf(pick: (column: string, i: number) => unknown): ExportRow {
  const row: Record<string, unknown> = {};
  COLUMNS.forEach((c, i) => (row[c] = pick(c, i)));
  row.seq = row.seq ?? '1';
  row.id = row.id ?? '1';
  row.before_text = typeof row.before === 'object' && row.before !== null ? JSON.stringify(row.before) : null;
  row.after_text = null;
  row.created_us = '1795521467001000';
  return row as ExportRow;
}

describe('R13 audit export lines keep their bytes', () => {
  it('R13 every cell value in every column gives the CSV line csv-stringify gave', () => {
    expect(CSV_HEADER).toBe(`${COLUMNS.join(',')}\n`);
    const rows = CELLS.flatMap((value, k) => [rowOf(() => value), rowOf((_, i) => CELLS[(k + i) % CELLS.length])]);
    for (const row of rows) expect(`${csvLine(row)}\n`, JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(formerCsv([row]));
    // As the export writes a batch: its lines joined by newlines, and a last one.
    expect([...rows.map(csvLine), ''].join('\n')).toBe(formerCsv(rows));
  });

  it('R13 the NDJSON line is the former object, seq as a number, canonical last', () => {
    const rows = CELLS.filter((v) => typeof v !== 'bigint').flatMap((value, k, cells) => [
      rowOf((c) => (c === 'seq' ? '7' : value)),
      rowOf((c, i) => (c === 'seq' ? String(k + 1) : cells[(k + i) % cells.length])),
    ]);
    for (const row of rows) {
      const line = ndjsonLine(row);
      expect(`${line}\n`).toBe(formerNdjson(row));
      expect(Object.keys(JSON.parse(line))).toEqual([...COLUMNS, 'canonical']);
    }
  });
});
