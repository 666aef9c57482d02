import { Migration } from '@mikro-orm/migrations';

/**
 * R24 webhooks from a transactional outbox.
 * - webhook_endpoint: per organization; the signing secret is kept (it must sign), a previous one
 *   stays valid until previous_secret_expires_at (rotation with overlap).
 * - The trigger audit_event_webhooks runs in the transaction that writes the audit event (R13): the
 *   event and one delivery per subscribed endpoint commit with the change, or vanish with it.
 *   The per-organization sequence is the audit chain's seq.
 * - webhook_delivery: one per (event, endpoint); the worker claims due ones with FOR UPDATE SKIP
 *   LOCKED and a lease, so replicas never send one attempt twice, and a crashed claim is retried.
 * - webhook_attempt: the delivery log (status code, error, duration) of every attempt.
 */
export class Migration20261124000020_c_webhooks extends Migration {
  override name = 'Migration20261124000020_c_webhooks';

  up(): void {
    this.addSql(`
      create table webhook_endpoint (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        url text not null check (length(url) <= 2048),
        description text not null default '' check (length(description) <= 500),
        event_types text[] not null,
        enabled boolean not null default true,
        secret text not null,
        previous_secret text null,
        previous_secret_expires_at timestamptz null,
        disabled_reason text null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index webhook_endpoint_org_idx on webhook_endpoint (org_id, created_at);`);
    this.addSql(`
      create table webhook_event (
        id bigserial primary key,
        org_id uuid not null references organization (id) on delete cascade,
        seq bigint not null,
        audit_event_id bigint not null,
        type text not null,
        payload jsonb not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index webhook_event_org_seq_uq on webhook_event (org_id, seq);`);
    this.addSql(`
      create table webhook_delivery (
        id uuid primary key,
        org_id uuid not null references organization (id) on delete cascade,
        endpoint_id uuid not null references webhook_endpoint (id) on delete cascade,
        event_id bigint not null references webhook_event (id) on delete cascade,
        seq bigint not null,
        status text not null default 'PENDING' check (status in ('PENDING', 'SUCCEEDED', 'FAILED')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        leased_until timestamptz null,
        last_status integer null,
        last_error text null,
        last_attempt_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index webhook_delivery_due_idx on webhook_delivery (next_attempt_at) where status = 'PENDING';`);
    this.addSql(`create index webhook_delivery_endpoint_idx on webhook_delivery (org_id, endpoint_id, seq);`);
    this.addSql(`
      create table webhook_attempt (
        id bigserial primary key,
        org_id uuid not null references organization (id) on delete cascade,
        delivery_id uuid not null references webhook_delivery (id) on delete cascade,
        attempted_at timestamptz not null default now(),
        status_code integer null,
        error text null,
        duration_ms integer not null
      );`);
    this.addSql(`create index webhook_attempt_delivery_idx on webhook_attempt (org_id, delivery_id, id);`);
    this.addSql(`
      create function webhook_enqueue() returns trigger language plpgsql as $$
      declare
        event_id bigint;
        target_user jsonb;
      begin
        if new.org_id is null then return null; end if;
        if not exists (select 1 from webhook_endpoint e where e.org_id = new.org_id and e.enabled
                        and (new.action = any (e.event_types) or '*' = any (e.event_types))) then
          return null;
        end if;
        -- The user a membership or account event is about: id and email, when it still exists.
        if new.target_type = 'User' then
          select jsonb_build_object('id', u.id, 'email', u.email) into target_user from "user" u where u.id::text = new.target_id;
        elsif new.target_type = 'Membership' then
          select jsonb_build_object('id', u.id, 'email', u.email) into target_user
            from membership m join "user" u on u.id = m.user_id where m.id::text = new.target_id;
        end if;
        insert into webhook_event (org_id, seq, audit_event_id, type, payload)
        values (new.org_id, new.seq, new.id, new.action, jsonb_build_object(
          'type', new.action,
          'timestamp', new.created_at,
          'data', jsonb_build_object(
            'organizationId', new.org_id,
            'sequence', new.seq,
            'auditEventId', new.id,
            'actor', jsonb_build_object('userId', new.actor_user_id, 'label', new.actor_label),
            'target', jsonb_build_object('type', new.target_type, 'id', new.target_id, 'label', new.target_label, 'user', target_user),
            'before', new.before,
            'after', new.after)))
        returning id into event_id;
        insert into webhook_delivery (id, org_id, endpoint_id, event_id, seq)
        select gen_random_uuid(), new.org_id, e.id, event_id, new.seq from webhook_endpoint e
         where e.org_id = new.org_id and e.enabled and (new.action = any (e.event_types) or '*' = any (e.event_types));
        return null;
      end $$;`);
    this.addSql(`create trigger audit_event_webhooks after insert on audit_event for each row execute function webhook_enqueue();`);
  }

  override down(): void {
    this.addSql(`drop trigger audit_event_webhooks on audit_event;`);
    this.addSql(`drop function webhook_enqueue();`);
    this.addSql(`drop table webhook_attempt;`);
    this.addSql(`drop table webhook_delivery;`);
    this.addSql(`drop table webhook_event;`);
    this.addSql(`drop table webhook_endpoint;`);
  }
}
