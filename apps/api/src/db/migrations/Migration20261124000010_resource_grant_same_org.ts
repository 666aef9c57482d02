import { Migration } from '@mikro-orm/migrations';

/**
 * R1 in the database: a resource grant ties a membership to a resource of the same organization.
 * The grant carries `org_id` and two composite foreign keys (Logto's organization_role_user_relations
 * pattern), so no code path, however wrong, can store a role on org A's resource for a member of org B.
 * `org_id` comes first in the grant's index, as in every tenant index.
 */
export class Migration20261124000010_resource_grant_same_org extends Migration {
  override name = 'Migration20261124000010_resource_grant_same_org';

  up(): void {
    this.addSql(`create unique index resource_id_org_uq on resource (id, org_id);`);
    this.addSql(`create unique index membership_id_org_uq on membership (id, org_id);`);
    this.addSql(`alter table resource_grant add column org_id uuid;`);
    this.addSql(`update resource_grant g set org_id = r.org_id from resource r where r.id = g.resource_id;`);
    // Grants that already broke the rule (none should exist) go rather than block the migration.
    this.addSql(`delete from resource_grant g using membership m where m.id = g.membership_id and m.org_id <> g.org_id;`);
    this.addSql(`alter table resource_grant alter column org_id set not null;`);
    // Writers that name only the resource (older code, fixtures) get its organization filled in;
    // the composite keys below then check that the membership belongs to that same organization.
    this.addSql(`
      create function resource_grant_org_from_resource() returns trigger language plpgsql as $$
      begin
        if new.org_id is null then
          select org_id into new.org_id from resource where id = new.resource_id;
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger resource_grant_org before insert on resource_grant for each row execute function resource_grant_org_from_resource();`);
    this.addSql(`alter table resource_grant add constraint resource_grant_resource_same_org_fk
      foreign key (resource_id, org_id) references resource (id, org_id) on delete cascade;`);
    this.addSql(`alter table resource_grant add constraint resource_grant_membership_same_org_fk
      foreign key (membership_id, org_id) references membership (id, org_id) on delete cascade;`);
    this.addSql(`drop index if exists resource_grant_membership_idx;`);
    this.addSql(`create index resource_grant_org_membership_idx on resource_grant (org_id, membership_id);`);
  }
}
