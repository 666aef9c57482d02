import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

/** Stored statuses; a PENDING invitation past `expiresAt` is shown as EXPIRED (see `effectiveStatus`). */
export const InvitationStatus = ['PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED'] as const;
export type InvitationStatus = (typeof InvitationStatus)[number];

/** R8: roles are linked through invitation_role (cascading from the invitation and the role). */
export const InvitationSchema = defineEntity({
  name: 'Invitation',
  tableName: 'invitation',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    email: p.string(),
    /** SHA-256 of the token; never exposed. */
    tokenHash: p.string().unique().hidden(),
    status: p.string().$type<InvitationStatus>().default('PENDING'),
    expiresAt: p.datetime(),
    inviterId: p.uuid().nullable(),
    sendCount: p.integer().default(1),
    lastSentAt: p.datetime(),
    sendWindowStartedAt: p.datetime().hidden(),
    sendWindowCount: p.integer().default(1).hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    acceptedAt: p.datetime().nullable(),
    acceptedById: p.uuid().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

export class Invitation extends InvitationSchema.class {}
InvitationSchema.setClass(Invitation);

export function effectiveStatus(invitation: { status: InvitationStatus; expiresAt: Date }, now = new Date()): InvitationStatus {
  return invitation.status === 'PENDING' && invitation.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : invitation.status;
}
