import { encodeGlobalID } from '@pothos/plugin-relay';
import { idOfType } from './global-id.ts';
import { NO_ID } from '../ids.ts';

/** No resource has it: what an ID that is not a Resource's global id stands for. */
const NO_RESOURCE = NO_ID;

/** The global id of a resource (`Resource.id`, `resourceId` fields). */
export const resourceGid = (id: string): string => encodeGlobalID('Resource', id);

/**
 * The resource a `resourceId` argument names. Arguments are `ID`s that must be a Resource's global
 * id; anything else (another type's id, a raw or malformed id) answers as a resource that does not
 * exist, with the field's usual typed error (R1, R22), never a decoding failure.
 */
export function resourceIdOf(value: string | number): string {
  return idOfType('Resource', value) ?? NO_RESOURCE;
}
