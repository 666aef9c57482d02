import { Migration } from '@mikro-orm/migrations';

/** R8 invitations and the development mail outbox. Hand-written SQL that runs unchanged on PostgreSQL 15+ and PGlite. */
export class Migration20261123000002_invitations extends Migration {
  override name = 'Migration20261123000002_invitations';

  up(): void {
    this.addSql(`
      create table invitation (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        email text not null,
        -- SHA-256 of a 256-bit random token; the token itself is only ever in the mail.
        token_hash text not null,
        -- EXPIRED is stored only when a newer invitation replaces an expired one; a PENDING row
        -- past expires_at is shown as EXPIRED (computed).
        status text not null default 'PENDING' check (status in ('PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED')),
        expires_at timestamptz not null,
        inviter_id uuid references "user" (id) on delete set null,
        send_count integer not null default 1,
        last_sent_at timestamptz not null default now(),
        -- Resend rate limit: sends in the current 24-hour window.
        send_window_started_at timestamptz not null default now(),
        send_window_count integer not null default 1,
        created_at timestamptz not null default now(),
        accepted_at timestamptz,
        accepted_by_id uuid references "user" (id) on delete set null,
        revoked_at timestamptz
      );`);
    this.addSql(`create unique index invitation_token_hash_uq on invitation (token_hash);`);
    // One pending invitation per organization and email.
    this.addSql(`create unique index invitation_org_email_pending_uq on invitation (org_id, lower(email)) where status = 'PENDING';`);
    this.addSql(`create index invitation_org_created_idx on invitation (org_id, created_at, id);`);

    this.addSql(`
      create table invitation_role (
        invitation_id uuid not null references invitation (id) on delete cascade,
        role_id uuid not null references role (id) on delete cascade,
        primary key (invitation_id, role_id)
      );`);
    this.addSql(`create index invitation_role_role_idx on invitation_role (role_id);`);

    // Development outbox: mail lands here when no SMTP_URL is configured.
    this.addSql(`
      create table mail_outbox (
        id uuid primary key,
        to_address text not null,
        subject text not null,
        text_body text not null,
        html_body text not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index mail_outbox_created_idx on mail_outbox (created_at, id);`);
  }
}
