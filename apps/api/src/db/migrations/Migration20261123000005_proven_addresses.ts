import { Migration } from '@mikro-orm/migrations';

/**
 * R20 proven addresses and R16 throttling that counts every attempt:
 * - "user".email_verified_at: when the holder proved the address (invitation link, confirmation link).
 *   Accounts that accepted an invitation for their address, and platform admins, count as proven;
 *   every other existing account has to confirm its address before anyone can match it.
 * - email_token: single-use confirmation links (verify the current address, or change to a new one).
 * - login_throttle.last_attempt_allowed: whether the attempt just counted may proceed, decided in the
 *   same atomic upsert that counts it.
 */
export class Migration20261123000005_proven_addresses extends Migration {
  override name = 'Migration20261123000005_proven_addresses';

  up(): void {
    this.addSql(`alter table "user" add column email_verified_at timestamptz null;`);
    this.addSql(`
      update "user" u set email_verified_at = now()
       where u.is_platform_admin
          or exists (select 1 from invitation i where lower(i.email) = lower(u.email) and i.status = 'ACCEPTED');`);
    this.addSql(`
      create table email_token (
        id uuid primary key,
        user_id uuid not null references "user" (id) on delete cascade,
        purpose text not null check (purpose in ('VERIFY', 'CHANGE')),
        email text not null check (length(email) <= 254),
        token_hash text not null unique,
        expires_at timestamptz not null,
        used_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    // One live link per account: a new request replaces the previous one (and the index keeps a
    // race between two requests from leaving two).
    this.addSql(`create unique index email_token_one_pending_idx on email_token (user_id) where used_at is null;`);
    this.addSql(`alter table login_throttle add column last_attempt_allowed boolean not null default true;`);
    // Addresses are stored in canonical (lower-case) form, so sign-in's "email = ?" can use an index.
    this.addSql(`create index user_email_idx on "user" (email);`);
  }

  override down(): void {
    this.addSql(`drop index user_email_idx;`);
    this.addSql(`alter table login_throttle drop column last_attempt_allowed;`);
    this.addSql(`drop table email_token;`);
    this.addSql(`alter table "user" drop column email_verified_at;`);
  }
}
