import { Migration } from '@mikro-orm/migrations';

/**
 * R25 live access: the trigger audit_event_live runs in the transaction that writes the audit event
 * (R13) and NOTIFYs channel `gatehouse_access` for each user whose access the event changes.
 * PostgreSQL delivers a NOTIFY at commit and drops it on rollback, so a rolled-back change tells
 * nobody; no statement is added to the request (modules/live, docs/operations.md).
 *
 * The one rule from audit action to notification lives here. Payload: {"k": kind, "o": org id,
 * "u": user id}; "u" null means every member of "o" (role and organization changes: each replica
 * knows which of its open streams belong to that organization).
 */
export class Migration20261124000050_live_access extends Migration {
  override name = 'Migration20261124000050_live_access';

  up(): void {
    this.addSql(`
      create function live_access_notify() returns trigger language plpgsql as $$
      declare
        kind text;
        uuid_pattern constant text := '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
        affected uuid[];
      begin
        kind := case
          when new.action in ('membership.roles_changed', 'resource.role_granted', 'resource.role_revoked',
                              'ownership.transferred', 'role.updated', 'role.deleted') then 'ROLES'
          when new.action in ('membership.disabled', 'membership.enabled', 'membership.removed', 'membership.left',
                              'membership.granted', 'members.provisioned', 'invitation.accepted') then 'MEMBERSHIP'
          when new.action in ('organization.disabled', 'organization.enabled', 'organization.deleted',
                              'organization.updated') then 'ORGANIZATION'
          when new.action in ('user.disabled', 'user.enabled', 'user.deleted', 'user.password_reset',
                              'user.password_changed', 'session.signed_out', 'session.signed_out_everywhere') then 'ACCOUNT'
        end;
        if kind is null then return null; end if;
        -- A role's holders and an organization's members: one event for the whole organization.
        if new.action in ('role.updated', 'role.deleted') or kind = 'ORGANIZATION' then
          if new.org_id is not null then
            perform pg_notify('gatehouse_access', json_build_object('k', kind, 'o', new.org_id, 'u', null)::text);
          end if;
          return null;
        end if;
        if kind = 'ACCOUNT' then
          if new.target_type = 'User' and new.target_id ~ uuid_pattern then affected := array[new.target_id::uuid]; end if;
        elsif new.action = 'members.provisioned' then
          select array_agg((m ->> 'userId')::uuid) into affected
            from jsonb_array_elements(coalesce(new.after -> 'members', '[]')) m where m ->> 'userId' ~ uuid_pattern;
        elsif new.action = 'invitation.accepted' then
          if new.after ->> 'userId' ~ uuid_pattern then affected := array[(new.after ->> 'userId')::uuid];
          elsif new.actor_user_id is not null then affected := array[new.actor_user_id]; end if;
        elsif new.target_type = 'Membership' then
          -- The membership's user; by the email the event names when this transaction deleted it.
          affected := array[coalesce(
            (select m.user_id from membership m where new.target_id ~ uuid_pattern and m.id = new.target_id::uuid),
            (select u.id from "user" u where lower(u.email) = lower(new.target_label)))];
          -- An ownership transfer also changes the previous owner's roles.
          if new.action = 'ownership.transferred' then
            affected := affected || (select u.id from "user" u where lower(u.email) = lower(new.before ->> 'owner'));
          end if;
        end if;
        perform pg_notify('gatehouse_access', json_build_object('k', kind, 'o', new.org_id, 'u', u)::text)
           from (select distinct u from unnest(affected) as u where u is not null) a;
        return null;
      end $$;`);
    this.addSql(`create trigger audit_event_live after insert on audit_event for each row execute function live_access_notify();`);
  }

  override down(): void {
    this.addSql(`drop trigger audit_event_live on audit_event;`);
    this.addSql(`drop function live_access_notify();`);
  }
}
