const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Malformed IDs answer like unknown ones, never as a database error. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function onlyUuids(ids: readonly string[]): string[] {
  return ids.filter(isUuid);
}

export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(',');
}
