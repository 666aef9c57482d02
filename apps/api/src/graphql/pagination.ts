import { GraphQLError } from 'graphql';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 25;

/**
 * What a cursor of one list must look like. The list names the connection, its owner and its order
 * (e.g. `members:<orgId>:NAME:ASC`), so a cursor from another list, organization or order is refused;
 * `sort` says what the keyset's sort value is, so a forged value never reaches SQL as the wrong type.
 */
export interface CursorSpec {
  list: string;
  sort: 'text' | 'timestamp' | 'none';
  id: 'uuid' | 'serial';
}

export type Cursor = [string | null, string];

export interface PageRequest {
  first: number;
  after: Cursor | undefined;
  spec: CursorSpec;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SERIAL = /^[1-9][0-9]{0,17}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Opaque keyset cursor: the list it belongs to, the sort value and the row id. */
export function encodeCursor(spec: CursorSpec, sortValue: unknown, id: string | number): string {
  return Buffer.from(JSON.stringify([spec.list, sortValue ?? null, String(id)])).toString('base64url');
}

/** A cursor of exactly this list, fully checked; anything else is a BAD_USER_INPUT naming `after`. */
export function decodeCursor(cursor: string | null | undefined, spec: CursorSpec): Cursor | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const bad = () => badInput('after', 'Not a cursor from this list');
  if (cursor.length === 0 || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 3 || value[0] !== spec.list) throw bad();
  const [, sort, id] = value as [unknown, unknown, unknown];
  if (typeof id !== 'string' || !(spec.id === 'uuid' ? UUID : SERIAL).test(id)) throw bad();
  if (!sortIsValid(sort, spec.sort)) throw bad();
  return [sort as string | null, id];
}

function sortIsValid(sort: unknown, kind: CursorSpec['sort']): boolean {
  if (kind === 'none') return sort === null;
  if (typeof sort !== 'string' || sort.length > 1000 || !sort.isWellFormed() || sort.includes('\u0000')) return false;
  // PostgreSQL prints a UTC offset as `+00`, which Date.parse refuses: it reads `+00:00`.
  return kind === 'text' || (TIMESTAMP.test(sort) && !Number.isNaN(Date.parse(sort.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'))));
}

/** Forward keyset pagination only; `first` is capped; `after` must be a cursor of this list. */
export function pageArgs(
  args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null },
  spec: CursorSpec,
): PageRequest {
  if (args.last != null || args.before != null) throw badInput('last', 'Page forward with first/after');
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(first) || first < 0 || first > MAX_PAGE) throw badInput('first', `Use 0 to ${MAX_PAGE}`);
  return { first, after: decodeCursor(args.after, spec), spec };
}

export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', field } });
}

export function likePattern(search: string): string {
  return `%${search.trim().toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** A page from `first + 1` rows; `keyOf` gives each row's sort value and id for its cursor. */
export function toPage<T>(rows: T[], page: PageRequest, keyOf: (row: T) => [unknown, string | number]): Page<T> {
  const { first } = page;
  const hadCursor = Boolean(page.after);
  const slice = rows.slice(0, first);
  const edges = slice.map((node) => {
    const [sort, id] = keyOf(node);
    return { cursor: encodeCursor(page.spec, sort, id), node };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
