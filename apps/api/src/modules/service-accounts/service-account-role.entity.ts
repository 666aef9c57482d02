import { defineEntity, p } from '@mikro-orm/core';
import { ServiceAccount } from './service-account.entity.ts';
import { Role } from '../roles/role.entity.ts';

/** A role a service account holds (R23); links cascade with the account and the role. */
export const ServiceAccountRoleSchema = defineEntity({
  name: 'ServiceAccountRole',
  tableName: 'service_account_role',
  properties: {
    serviceAccount: () => p.manyToOne(ServiceAccount).primary().fieldName('service_account_id'),
    role: () => p.manyToOne(Role).primary().fieldName('role_id'),
  },
});

export class ServiceAccountRole extends ServiceAccountRoleSchema.class {}
ServiceAccountRoleSchema.setClass(ServiceAccountRole);
