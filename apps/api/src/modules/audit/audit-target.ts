import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { isUuid } from '../../ids.ts';

/**
 * What an audit event names as its target (`target_type`): each is the GraphQL type of that object,
 * so the target's global id is encodeGlobalID(target_type, target_id) and `node(id:)` answers it.
 * The rows keep the raw id: the hash chain covers `target_id` as written.
 */
export const AUDIT_TARGET_TYPES = ['User', 'Organization', 'Membership', 'Role', 'Invitation', 'Resource', 'ServiceAccount', 'PersonalAccessToken', 'WebhookEndpoint'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

const isTargetType = (typename: string): typename is AuditTargetType => (AUDIT_TARGET_TYPES as readonly string[]).includes(typename);

/** The global id of an event's target, as `AuditEvent.targetId` answers it. */
export function auditTargetGid(type: string, id: string): string {
  return encodeGlobalID(type, id);
}

/**
 * The target a global id names (type and raw id), or undefined when it is not the id of a target
 * type. Every target type has UUID ids: anything else inside (a NUL byte, SQL) is refused before it
 * reaches a statement (R22).
 */
export function auditTargetOf(globalId: string): { type: AuditTargetType; id: string } | undefined {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    return isTargetType(typename) && isUuid(id) ? { type: typename, id } : undefined;
  } catch {
    return undefined;
  }
}

/** For messages and descriptions: "a global id of a User, Organization, … or WebhookEndpoint". */
export const AUDIT_TARGET_HINT = `a global id of a ${AUDIT_TARGET_TYPES.slice(0, -1).join(', ')} or ${AUDIT_TARGET_TYPES.at(-1)}`;
