import { decodeGlobalID } from '@pothos/plugin-relay';

/**
 * The raw id inside an `ID` argument that must be a global id of `typename`; undefined for anything
 * else (another type's id, a raw or malformed one), never a decoding failure (R22). Callers answer
 * undefined as an object that does not exist (R1).
 */
export function idOfType(typename: string, value: string | number): string | undefined {
  try {
    const decoded = decodeGlobalID(String(value));
    return decoded.typename === typename ? decoded.id : undefined;
  } catch {
    return undefined;
  }
}
