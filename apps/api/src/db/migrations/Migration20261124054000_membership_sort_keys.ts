import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14: the members page sorted by name or email is an index range read, whatever the size of
 * the organization. The sort keys live on "user" while the filter (org_id) lives on membership, so
 * without this PostgreSQL joins every membership of the organization with its user and sorts them
 * all to return 50 (0.7-1.7 s for 100,000 members). Each membership now carries copies of its
 * user's keys, exactly the expressions the list sorted by before (same type, same collation, so the
 * order and the cursors do not change):
 *
 *   sort_name  = lower(first_name || ' ' || last_name || ' ' || email)
 *   sort_email = email
 *
 * The database keeps them right by itself, whoever writes (the ORM, raw SQL, a future import):
 * - membership_sort_keys (BEFORE INSERT, and UPDATE of user_id or the keys themselves) computes
 *   them from the user row, so a membership can never hold keys of its own;
 * - user_sort_keys (AFTER UPDATE of first_name, last_name, email on "user", when one changed)
 *   rewrites the keys of that user's memberships, in the same transaction as the rename.
 * Indexes (org_id, sort_name, id) and (org_id, sort_email, id) serve the keyset pages in both
 * directions (membership.queries.ts).
 */
export class Migration20261124054000_membership_sort_keys extends Migration {
  override name = 'Migration20261124054000_membership_sort_keys';

  up(): void {
    // A constant default adds the columns without rewriting the table; the backfill follows.
    this.addSql(`alter table membership add column sort_name text not null default '', add column sort_email text not null default '';`);
    this.addSql(`
      update membership m set sort_name = lower(u.first_name || ' ' || u.last_name || ' ' || u.email), sort_email = u.email
        from "user" u where u.id = m.user_id;`);
    this.addSql(`
      create function membership_sort_keys() returns trigger language plpgsql as $$
      declare
        name_key text;
        email_key text;
      begin
        select lower(u.first_name || ' ' || u.last_name || ' ' || u.email), u.email into name_key, email_key
          from "user" u where u.id = new.user_id;
        -- No such user: leave the row as it is, and let the foreign key report it.
        if found then
          new.sort_name := name_key;
          new.sort_email := email_key;
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger membership_sort_keys before insert or update of user_id, sort_name, sort_email on membership
      for each row execute function membership_sort_keys();`);
    this.addSql(`
      create function user_sort_keys() returns trigger language plpgsql as $$
      begin
        -- membership_sort_keys recomputes both keys from the updated user row.
        update membership set sort_name = lower(new.first_name || ' ' || new.last_name || ' ' || new.email), sort_email = new.email
         where user_id = new.id;
        return null;
      end $$;`);
    this.addSql(`create trigger user_sort_keys after update of first_name, last_name, email on "user" for each row
      when (old.first_name is distinct from new.first_name or old.last_name is distinct from new.last_name or old.email is distinct from new.email)
      execute function user_sort_keys();`);
    this.addSql(`create index membership_org_sort_name_idx on membership (org_id, sort_name, id);`);
    this.addSql(`create index membership_org_sort_email_idx on membership (org_id, sort_email, id);`);
  }

  override down(): void {
    this.addSql(`drop trigger user_sort_keys on "user";`);
    this.addSql(`drop function user_sort_keys();`);
    this.addSql(`drop trigger membership_sort_keys on membership;`);
    this.addSql(`drop function membership_sort_keys();`);
    this.addSql(`alter table membership drop column sort_name, drop column sort_email;`);
  }
}
