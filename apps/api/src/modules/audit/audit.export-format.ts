import { canonicalContent } from './audit.chain.ts';

/**
 * The audit export's lines (audit.export.ts), written row by row with no intermediate objects: the
 * export streams millions of rows, and what a row allocates beyond its own values decides both its
 * speed and whether the rows die young or fill the old generation (docs/benchmarks.md, export).
 */

/** seq and hash (hex) last, so existing CSV readers keep their columns. */
export const COLUMNS = ['id', 'created_at', 'org_id', 'actor_user_id', 'actor_label', 'action', 'target_type', 'target_id', 'target_label', 'before', 'after', 'ip', 'user_agent', 'request_id', 'seq', 'hash'] as const;

/** One exported row as the batch statement returns it (NDJSON rows also carry the canonical texts). */
export type ExportRow = Record<(typeof COLUMNS)[number], unknown> & { before_text?: unknown; after_text?: unknown; created_us?: unknown };

export const CSV_HEADER = `${COLUMNS.join(',')}\n`;

/**
 * One CSV line, without its newline (the export joins a batch's lines). The bytes are those csv-stringify 6 wrote with the export's former options (cast
 * dates to ISO 8601, objects to JSON, strings through the formula guard; RFC 4180 quoting), which a
 * test holds against csv-stringify itself.
 */
export function csvLine(row: ExportRow): string {
  return [csvCell(row.id), csvCell(row.created_at), csvCell(row.org_id), csvCell(row.actor_user_id), csvCell(row.actor_label), csvCell(row.action), csvCell(row.target_type), csvCell(row.target_id), csvCell(row.target_label), csvCell(row.before), csvCell(row.after), csvCell(row.ip), csvCell(row.user_agent), csvCell(row.request_id), csvCell(row.seq), csvCell(row.hash)].join(',');
}

const NEEDS_QUOTES = /[",\n\r]/;
const QUOTE = /"/g;

/** A cell: JSON text in a text column (it starts with [ or { and parses) is written compact, as JSON. */
export function csvCell(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    const first = value.charCodeAt(0);
    const json = first === 0x5b || first === 0x7b ? parsedJson(value) : undefined;
    text = json === undefined ? defuseFormula(value) : JSON.stringify(json);
  } else if (value === null || value === undefined) {
    return '';
  } else if (value instanceof Date) {
    text = defuseFormula(value.toISOString());
  } else if (typeof value === 'object') {
    text = JSON.stringify(value);
  } else if (typeof value === 'boolean') {
    return value ? '1' : '';
  } else {
    return String(value);
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

/** A cell a spreadsheet would run as a formula is written as text (a leading apostrophe). */
function defuseFormula(text: string): string {
  switch (text.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // \t
    case 0x0d: // \r
      return `'${text}`;
    default:
      return text;
  }
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A value as the NDJSON line carries it: dates in ISO 8601, JSON text as JSON, undefined as null. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'string') {
    const first = value.charCodeAt(0);
    if (first !== 0x5b && first !== 0x7b) return value;
    const json = parsedJson(value);
    return json === undefined ? value : json;
  }
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** One NDJSON line, without its newline: the columns (seq as a number), then `canonical`, the exact text the hash covers. */
export function ndjsonLine(row: ExportRow): string {
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
  // Keys in COLUMNS order, as a literal: one object of one shape per row.
  const line = JSON.stringify({
    id: jsonValue(row.id),
    created_at: jsonValue(row.created_at),
    org_id: jsonValue(row.org_id),
    actor_user_id: jsonValue(row.actor_user_id),
    actor_label: jsonValue(row.actor_label),
    action: jsonValue(row.action),
    target_type: jsonValue(row.target_type),
    target_id: jsonValue(row.target_id),
    target_label: jsonValue(row.target_label),
    before: jsonValue(row.before),
    after: jsonValue(row.after),
    ip: jsonValue(row.ip),
    user_agent: jsonValue(row.user_agent),
    request_id: jsonValue(row.request_id),
    seq: Number(row.seq),
    hash: jsonValue(row.hash),
    canonical,
  });
  return line;
}
