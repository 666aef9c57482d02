import { GraphQLError } from 'graphql';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 25;

/** Opaque keyset cursor: the sort value and the row id. */
export function encodeCursor(sortValue: unknown, id: string | number): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): [string | number | null, string | number] | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) return value as [string | number | null, string | number];
  } catch {
    // fall through
  }
  throw badInput('after', 'Not a cursor from this list');
}

/** Forward keyset pagination only; `first` is capped. */
export function pageArgs(args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null }) {
  if (args.last != null || args.before != null) throw badInput('last', 'Page forward with first/after');
  const first = args.first ?? DEFAULT_PAGE;
  if (first < 0 || first > MAX_PAGE) throw badInput('first', `Use 0 to ${MAX_PAGE}`);
  return { first, after: decodeCursor(args.after) };
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

export function toPage<T>(rows: T[], first: number, hadCursor: boolean, cursorOf: (row: T) => string): Page<T> {
  const slice = rows.slice(0, first);
  const edges = slice.map((node) => ({ cursor: cursorOf(node), node }));
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
