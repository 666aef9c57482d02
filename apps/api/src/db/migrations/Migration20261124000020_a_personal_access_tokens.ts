import { Migration } from '@mikro-orm/migrations';

/**
 * R23 personal access tokens: a member's token for one organization, with a permission subset.
 * - membership_id cascades: removing the member deletes their tokens, so re-adding them later does
 *   not bring an old token back to life.
 * - token_hash: sha256 of the secret (the secret itself is shown once and never stored).
 * - last_used_at is written at most once a minute per token, by the request that uses it.
 */
export class Migration20261124000020_a_personal_access_tokens extends Migration {
  override name = 'Migration20261124000020_a_personal_access_tokens';

  up(): void {
    this.addSql(`
      create table personal_access_token (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        membership_id uuid not null references membership (id) on delete cascade,
        user_id uuid not null references "user" (id) on delete cascade,
        name text not null check (length(name) between 1 and 100),
        token_hash bytea not null,
        hint text not null check (length(hint) = 4),
        permissions text[] not null,
        expires_at timestamptz null,
        created_at timestamptz not null default now(),
        revoked_at timestamptz null,
        last_used_at timestamptz null
      );`);
    this.addSql(`create unique index personal_access_token_hash_uq on personal_access_token (token_hash);`);
    this.addSql(`create index personal_access_token_org_user_idx on personal_access_token (org_id, user_id, created_at);`);
    this.addSql(`create index personal_access_token_membership_idx on personal_access_token (membership_id);`);
  }

  override down(): void {
    this.addSql(`drop table personal_access_token;`);
  }
}
