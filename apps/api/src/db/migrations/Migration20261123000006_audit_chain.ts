import { Migration } from '@mikro-orm/migrations';

/**
 * R13 tamper evidence: every audit event carries a SHA-256 hash chained to the previous event of its
 * organization (platform events, org_id null, form their own chain). Hand-written SQL that runs
 * unchanged on PostgreSQL 15+ and PGlite: built-in sha256(bytea), no pgcrypto.
 *
 *   hash(n) = sha256(hash(n-1) || utf8(audit_event_canonical(event n)))      hash(0) = 32 zero bytes
 *
 * audit_chain_head holds the last seq and hash of every chain. The BEFORE INSERT trigger locks that
 * row (select … for update) until the inserting transaction commits, so writers of one chain are
 * serialized and the chain stays linear under concurrency; an AFTER INSERT statement trigger moves
 * it. Both functions are SECURITY DEFINER, so the server's database role needs no write privilege
 * on audit_chain_head at all (docs/database-roles.md). The canonical format is documented in
 * docs/audit-log.md and rendered again, independently, in Node by modules/audit/audit.chain.ts;
 * keep the three in step.
 */
export class Migration20261123000006_audit_chain extends Migration {
  override name = 'Migration20261123000006_audit_chain';

  up(): void {
    this.addSql(`alter table audit_event add column seq bigint, add column hash bytea;`);

    this.addSql(`
      create table audit_chain_head (
        -- org id as text, or 'platform' for events without an organization
        chain_key text primary key,
        org_id uuid,
        seq bigint not null,
        head_hash bytea not null,
        head_event_id bigint,
        updated_at timestamptz not null default now()
      );`);

    // One field of the canonical content: '-' for null, else "<UTF-8 byte length>:<text>". Length
    // prefixes make the encoding unambiguous without escaping anything.
    this.addSql(`
      create function audit_canonical_field(v text) returns text language sql immutable parallel safe as $$
        select case when v is null then '-' else octet_length(v)::text || ':' || v end
      $$;`);

    // Every column that matters, in a fixed order, created_at in UTC at microsecond precision.
    this.addSql(`
      create function audit_event_canonical(e audit_event) returns text language sql stable parallel safe as $$
        select 'gatehouse.audit.v1'
          || E'\\n' || audit_canonical_field(e.seq::text)
          || E'\\n' || audit_canonical_field(e.id::text)
          || E'\\n' || audit_canonical_field(e.org_id::text)
          || E'\\n' || audit_canonical_field(e.actor_user_id::text)
          || E'\\n' || audit_canonical_field(e.actor_label)
          || E'\\n' || audit_canonical_field(e.action)
          || E'\\n' || audit_canonical_field(e.target_type)
          || E'\\n' || audit_canonical_field(e.target_id)
          || E'\\n' || audit_canonical_field(e.target_label)
          || E'\\n' || audit_canonical_field(e.before::text)
          || E'\\n' || audit_canonical_field(e.after::text)
          || E'\\n' || audit_canonical_field(e.ip)
          || E'\\n' || audit_canonical_field(e.user_agent)
          || E'\\n' || audit_canonical_field(e.request_id)
          || E'\\n' || audit_canonical_field(to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
      $$;`);

    // Existing events: chained per organization in (created_at, id) order. The append-only trigger
    // is switched off for this one transaction (the migration runs as the table owner).
    this.addSql(`alter table audit_event disable trigger audit_event_no_update_delete;`);
    this.addSql(`
      do $$
      declare
        r audit_event;
        k text;
        cur text := null;
        s bigint := 0;
        h bytea;
        genesis constant bytea := decode(repeat('00', 32), 'hex');
        last_id bigint;
        last_org uuid;
      begin
        for r in select * from audit_event order by coalesce(org_id::text, 'platform'), created_at, id loop
          k := coalesce(r.org_id::text, 'platform');
          if cur is distinct from k then
            if cur is not null then
              insert into audit_chain_head (chain_key, org_id, seq, head_hash, head_event_id) values (cur, last_org, s, h, last_id);
            end if;
            cur := k;
            s := 0;
            h := genesis;
          end if;
          s := s + 1;
          r.seq := s;
          h := sha256(h || convert_to(audit_event_canonical(r), 'UTF8'));
          update audit_event set seq = s, hash = h where id = r.id;
          last_id := r.id;
          last_org := r.org_id;
        end loop;
        if cur is not null then
          insert into audit_chain_head (chain_key, org_id, seq, head_hash, head_event_id) values (cur, last_org, s, h, last_id);
        end if;
      end $$;`);
    this.addSql(`alter table audit_event enable trigger audit_event_no_update_delete;`);

    this.addSql(`alter table audit_event alter column seq set not null, alter column hash set not null;`);
    // One event per position of a chain; also the index the verifier walks (org_id first).
    this.addSql(`create unique index audit_event_org_seq_uq on audit_event (org_id, seq) nulls not distinct;`);

    // Row trigger: lock the chain head (held until commit: concurrent writers of this chain queue
    // here), take the previous position and hash, compute this event's. The previous event is the
    // head, or a newer event of this chain that this same transaction inserted earlier (row triggers
    // see rows their own statement and transaction inserted before). The head row itself is moved
    // once per statement by the statement trigger below, not once per row: updating one row k times
    // in one transaction leaves k row versions that every later lookup walks (quadratic).
    this.addSql(`
      create function audit_event_chain() returns trigger language plpgsql security definer set search_path from current as $$
      declare
        k text := coalesce(new.org_id::text, 'platform');
        prev_seq bigint;
        prev_hash bytea;
        last_seq bigint;
        last_hash bytea;
      begin
        select seq, head_hash into prev_seq, prev_hash from audit_chain_head where chain_key = k for update;
        if not found then
          insert into audit_chain_head (chain_key, org_id, seq, head_hash)
            values (k, new.org_id, 0, decode(repeat('00', 32), 'hex'))
            on conflict (chain_key) do nothing;
          select seq, head_hash into prev_seq, prev_hash from audit_chain_head where chain_key = k for update;
        end if;
        if new.org_id is null then
          select seq, hash into last_seq, last_hash from audit_event where org_id is null order by seq desc limit 1;
        else
          select seq, hash into last_seq, last_hash from audit_event where org_id = new.org_id order by seq desc limit 1;
        end if;
        -- Past the head only while this transaction is adding to the chain. (After a deleted tail the
        -- last event is behind the head: the chain goes on from the head and the gap stays visible.)
        if last_seq > prev_seq then
          prev_seq := last_seq;
          prev_hash := last_hash;
        end if;
        new.seq := prev_seq + 1;
        new.hash := sha256(prev_hash || convert_to(audit_event_canonical(new), 'UTF8'));
        return new;
      end $$;`);
    this.addSql(`create trigger audit_event_chain before insert on audit_event for each row execute function audit_event_chain();`);
    this.addSql(`
      create function audit_event_chain_head() returns trigger language plpgsql security definer set search_path from current as $$
      begin
        update audit_chain_head h
          set seq = i.seq, head_hash = i.hash, head_event_id = i.id, updated_at = now()
          from (
            select distinct on (coalesce(org_id::text, 'platform')) coalesce(org_id::text, 'platform') as chain_key, seq, hash, id
            from inserted order by coalesce(org_id::text, 'platform'), seq desc
          ) i
          where h.chain_key = i.chain_key and i.seq > h.seq;
        return null;
      end $$;`);
    this.addSql(`create trigger audit_event_chain_head after insert on audit_event referencing new table as inserted
      for each statement execute function audit_event_chain_head();`);

    // The head moves only through the triggers above (trigger depth 2); direct writes are refused.
    this.addSql(`
      create function audit_chain_head_guard() returns trigger language plpgsql as $$
      begin
        if tg_level = 'ROW' and pg_trigger_depth() > 1 then
          return case when tg_op = 'DELETE' then old else new end;
        end if;
        raise exception 'audit_chain_head is maintained by the audit_event trigger only' using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger audit_chain_head_guard before insert or update or delete on audit_chain_head
      for each row execute function audit_chain_head_guard();`);
    this.addSql(`create trigger audit_chain_head_no_truncate before truncate on audit_chain_head
      for each statement execute function audit_chain_head_guard();`);

    // Roles that got UPDATE/DELETE/TRUNCATE on the audit tables (e.g. through ALTER DEFAULT
    // PRIVILEGES on a fresh database) lose them, and nobody but the owner writes the chain head.
    this.addSql(`
      do $$
      declare
        g record;
      begin
        for g in
          select distinct grantee from information_schema.role_table_grants
          where table_schema = current_schema()
            and table_name in ('audit_event', 'audit_chain_head')
            and privilege_type in ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
            and grantee <> current_user
        loop
          execute format('revoke update, delete, truncate on audit_event from %s', case when g.grantee = 'PUBLIC' then 'public' else quote_ident(g.grantee) end);
          execute format('revoke insert, update, delete, truncate on audit_chain_head from %s', case when g.grantee = 'PUBLIC' then 'public' else quote_ident(g.grantee) end);
        end loop;
      end $$;`);
  }
}
