import { Migration } from '@mikro-orm/migrations';

/**
 * R23 service accounts: non-human principals owned by an organization, with roles like a
 * member's, authenticating with API keys (several per account, for rotation with overlap).
 * Everything cascades from the organization; a role deleted with force leaves the accounts too.
 */
export class Migration20261124000020_b_service_accounts extends Migration {
  override name = 'Migration20261124000020_b_service_accounts';

  up(): void {
    this.addSql(`
      create table service_account (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        name text not null check (length(name) between 1 and 100),
        description text not null default '' check (length(description) <= 500),
        status text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
        created_by_id uuid null references "user" (id) on delete set null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index service_account_org_name_uq on service_account (org_id, lower(name));`);
    this.addSql(`
      create table service_account_role (
        service_account_id uuid not null references service_account (id) on delete cascade,
        role_id uuid not null references role (id) on delete cascade,
        primary key (service_account_id, role_id)
      );`);
    this.addSql(`create index service_account_role_role_idx on service_account_role (role_id);`);
    this.addSql(`
      create table service_account_key (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        service_account_id uuid not null references service_account (id) on delete cascade,
        name text not null check (length(name) between 1 and 100),
        key_hash bytea not null,
        hint text not null check (length(hint) = 4),
        expires_at timestamptz null,
        revoked_at timestamptz null,
        created_by_id uuid null references "user" (id) on delete set null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz null,
        last_used_ip text null check (length(last_used_ip) <= 64)
      );`);
    this.addSql(`create unique index service_account_key_hash_uq on service_account_key (key_hash);`);
    this.addSql(`create index service_account_key_org_account_idx on service_account_key (org_id, service_account_id, created_at);`);
  }

  override down(): void {
    this.addSql(`drop table service_account_key;`);
    this.addSql(`drop table service_account_role;`);
    this.addSql(`drop table service_account;`);
  }
}
