import { Migration } from '@mikro-orm/migrations';

/** Org-scoped resources (OEC projects, Spaces spaces) and grants of a resource role to a member. */
export class Migration20261123000004_resources extends Migration {
  override name = 'Migration20261123000004_resources';

  up(): void {
    this.addSql(`
      create table resource (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        type text not null,
        name text not null,
        created_by_id uuid references "user" (id) on delete set null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index resource_org_type_name_idx on resource (org_id, type, name);`);
    this.addSql(`
      create table resource_grant (
        resource_id uuid not null references resource (id) on delete cascade,
        membership_id uuid not null references membership (id) on delete cascade,
        role_key text not null,
        granted_by_id uuid,
        created_at timestamptz not null default now(),
        primary key (resource_id, membership_id)
      );`);
    this.addSql(`create index resource_grant_membership_idx on resource_grant (membership_id);`);
  }
}
