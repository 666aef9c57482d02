// The API's ids are Relay global ids (base64 of "Type:raw"); the audit log names targets by raw id.

/** The raw id inside a global id, or null when it is not one. */
export function rawId(globalId: string): string | null {
  try {
    const decoded = atob(globalId);
    const colon = decoded.indexOf(':');
    return colon > 0 ? decoded.slice(colon + 1) : null;
  } catch {
    return null;
  }
}
