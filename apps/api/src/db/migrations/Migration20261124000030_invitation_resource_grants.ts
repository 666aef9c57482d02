import { Migration } from '@mikro-orm/migrations';

/**
 * Invitations that carry resource grants (R8 + R19): invite someone straight into a project or space.
 * Each row names one resource of the invitation's organization and the resource role given on
 * acceptance. Like resource_grant, the row carries `org_id` with composite foreign keys to the
 * invitation and the resource, so the database refuses a grant on another organization's resource
 * (R1). A resource deleted before acceptance takes its rows with it: the grant is simply not made.
 */
export class Migration20261124000030_invitation_resource_grants extends Migration {
  override name = 'Migration20261124000030_invitation_resource_grants';

  up(): void {
    this.addSql(`create unique index invitation_id_org_uq on invitation (id, org_id);`);
    this.addSql(`
      create table invitation_resource_grant (
        invitation_id uuid not null,
        resource_id uuid not null,
        org_id uuid not null,
        role_key text not null,
        primary key (invitation_id, resource_id),
        constraint invitation_resource_grant_invitation_fk foreign key (invitation_id, org_id) references invitation (id, org_id) on delete cascade,
        constraint invitation_resource_grant_resource_fk foreign key (resource_id, org_id) references resource (id, org_id) on delete cascade
      );`);
    this.addSql(`create index invitation_resource_grant_org_resource_idx on invitation_resource_grant (org_id, resource_id);`);
  }
}
