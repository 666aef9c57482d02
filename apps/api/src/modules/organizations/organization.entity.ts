import { defineEntity, p } from '@mikro-orm/core';

export const OrganizationStatus = ['ACTIVE', 'DISABLED'] as const;
export type OrganizationStatus = (typeof OrganizationStatus)[number];

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: p.uuid().primary(),
    slug: p.string().unique(),
    name: p.string(),
    status: p.string().$type<OrganizationStatus>().default('ACTIVE'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);
