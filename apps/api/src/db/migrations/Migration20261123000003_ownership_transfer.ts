import { Migration } from '@mikro-orm/migrations';

/** R6: with a single owner, ownership moves by a transfer that the new owner accepts. */
export class Migration20261123000003_ownership_transfer extends Migration {
  override name = 'Migration20261123000003_ownership_transfer';

  up(): void {
    this.addSql(`
      create table ownership_transfer (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        from_user_id uuid not null references "user" (id) on delete cascade,
        to_membership_id uuid not null references membership (id) on delete cascade,
        status text not null default 'PENDING' check (status in ('PENDING', 'ACCEPTED', 'CANCELLED')),
        created_at timestamptz not null default now(),
        decided_at timestamptz
      );`);
    this.addSql(`create unique index ownership_transfer_pending_uq on ownership_transfer (org_id) where status = 'PENDING';`);
  }
}
