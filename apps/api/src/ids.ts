const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Malformed IDs answer like unknown ones, never as a database error. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The nil UUID: bound where an absent id must match no row (no real id is all zeros). */
export const NO_ID = '00000000-0000-0000-0000-000000000000';

export function onlyUuids(ids: readonly string[]): string[] {
  return ids.filter(isUuid);
}
