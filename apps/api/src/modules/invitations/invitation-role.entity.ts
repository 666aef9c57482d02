import { defineEntity, p } from '@mikro-orm/core';
import { Invitation } from './invitation.entity.ts';
import { Role } from '../roles/role.entity.ts';

/** A role an invitation grants on acceptance; links cascade with the invitation and the role. */
export const InvitationRoleSchema = defineEntity({
  name: 'InvitationRole',
  tableName: 'invitation_role',
  properties: {
    invitation: () => p.manyToOne(Invitation).primary().fieldName('invitation_id'),
    role: () => p.manyToOne(Role).primary().fieldName('role_id'),
  },
});

export class InvitationRole extends InvitationRoleSchema.class {}
InvitationRoleSchema.setClass(InvitationRole);
