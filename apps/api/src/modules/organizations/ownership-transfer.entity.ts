import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from './organization.entity.ts';
import { User } from '../users/user.entity.ts';
import { Membership } from '../memberships/membership.entity.ts';

export const OwnershipTransferStatus = ['PENDING', 'ACCEPTED', 'CANCELLED'] as const;
export type OwnershipTransferStatus = (typeof OwnershipTransferStatus)[number];

/** An owner's offer of ownership to another member (R5, R15): at most one pending per organization. */
export const OwnershipTransferSchema = defineEntity({
  name: 'OwnershipTransfer',
  tableName: 'ownership_transfer',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    fromUser: () => p.manyToOne(User).fieldName('from_user_id'),
    toMembership: () => p.manyToOne(Membership).fieldName('to_membership_id'),
    status: p.string().$type<OwnershipTransferStatus>().default('PENDING'),
    createdAt: p.datetime().onCreate(() => new Date()),
    decidedAt: p.datetime().nullable(),
  },
});

export class OwnershipTransfer extends OwnershipTransferSchema.class {}
OwnershipTransferSchema.setClass(OwnershipTransfer);
