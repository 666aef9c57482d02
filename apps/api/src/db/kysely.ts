import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type Compilable, type ExpressionBuilder } from 'kysely';
import type { InferKyselyDB } from '@mikro-orm/sql';
import type { Em } from './orm.ts';
import { exec, row, rows, shaped, type Statement } from './sql.ts';
import { replicaRow, replicaRows } from './replicas.ts';
import type { UserSchema } from '../modules/users/user.entity.ts';
import type { OrganizationSchema } from '../modules/organizations/organization.entity.ts';
import type { RoleSchema } from '../modules/roles/role.entity.ts';
import type { MembershipSchema } from '../modules/memberships/membership.entity.ts';
import type { AuditEventSchema } from '../modules/audit/audit-event.entity.ts';
import type { AuditChainHeadSchema } from '../modules/audit/audit-chain-head.entity.ts';
import type { SessionSchema } from '../modules/sessions/session.entity.ts';
import type { InvitationSchema } from '../modules/invitations/invitation.entity.ts';
import type { InvitationRoleSchema } from '../modules/invitations/invitation-role.entity.ts';
import type { InvitationResourceGrantSchema } from '../modules/invitations/invitation-resource-grant.entity.ts';
import type { EmailTokenSchema } from '../modules/users/email-token.entity.ts';
import type { PersonalAccessTokenSchema } from '../modules/tokens/personal-access-token.entity.ts';
import type { ServiceAccountSchema, ServiceAccountKeySchema } from '../modules/service-accounts/service-account.entity.ts';
import type { ServiceAccountRoleSchema } from '../modules/service-accounts/service-account-role.entity.ts';
import type { OwnershipTransferSchema } from '../modules/organizations/ownership-transfer.entity.ts';
import type { ResourceSchema, ResourceGrantSchema } from '../modules/resources/resource.entity.ts';
import type { MailOutboxSchema } from '../modules/mail/mail-outbox.entity.ts';
import type { LoginThrottleSchema } from '../auth/login-throttle.entity.ts';
import type { WebhookAttemptSchema, WebhookDeliverySchema, WebhookEndpointSchema, WebhookEventSchema } from '../modules/webhooks/webhook.entity.ts';

/**
 * The database as the typed Kysely builder sees it, inferred by MikroORM from the `defineEntity`
 * schemas (not the classes: a class no longer knows a relation's `fieldName`, so `organization`
 * would come out as `organization_id` instead of `org_id`). Tables are the schemas' `tableName`,
 * columns their snake_cased properties or `fieldName`; relations to many rows add no column.
 * test/kysely-types.test.ts pins a few of these names and types.
 */
type Schemas =
  | typeof UserSchema | typeof OrganizationSchema | typeof RoleSchema | typeof MembershipSchema | typeof AuditEventSchema
  | typeof AuditChainHeadSchema | typeof SessionSchema | typeof InvitationSchema | typeof InvitationRoleSchema
  | typeof InvitationResourceGrantSchema | typeof EmailTokenSchema | typeof PersonalAccessTokenSchema | typeof ServiceAccountSchema
  | typeof ServiceAccountKeySchema | typeof ServiceAccountRoleSchema | typeof OwnershipTransferSchema | typeof ResourceSchema
  | typeof ResourceGrantSchema | typeof MailOutboxSchema | typeof LoginThrottleSchema | typeof WebhookEndpointSchema
  | typeof WebhookEventSchema | typeof WebhookDeliverySchema | typeof WebhookAttemptSchema;

/** Pivot tables of many-to-many relations have no entity of their own: declared by hand. */
interface PivotTables {
  membership_role: { membership_id: string; role_id: string };
}

export type DB = InferKyselyDB<Schemas> & PivotTables;

/**
 * The typed builder for statements that are only compiled here and run through db/sql.ts: it has no
 * connection of its own (a `DummyDriver`), so a page can be built without an EntityManager (the
 * tests EXPLAIN `memberPageStatement`) and building touches no pool.
 */
export const builder = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * The typed builder on the ORM's own Kysely client, inside the ORM's transaction when one is open.
 * Its `execute()` sends unnamed statements and hands back the driver's own errors: hot paths and
 * anything that relies on the ORM's exceptions (retries) build on `builder` and run through the
 * functions below instead.
 */
export function kyselyOf(em: Em): Kysely<DB> {
  return em.getKysely<DB>();
}

/** A statement ready to run: its text (named, so prepared once per connection) and its bound values; `O` is its row. */
export interface Prepared<O> {
  readonly statement: Statement;
  readonly values: unknown[];
  /** Type only: the row the builder inferred. */
  readonly row?: O;
}

/**
 * A built query as a prepared statement: its compiled text named by `shaped` (so each shape is
 * prepared once per connection), its values bound. Run it with the functions below, which go
 * through db/sql.ts or db/replicas.ts: the ORM's client or transaction and its exception
 * translation, exactly as hand-written statements do.
 */
export function prepared<O>(query: Compilable<O>): Prepared<O> {
  const compiled = query.compile();
  return { statement: shaped(compiled.sql), values: [...compiled.parameters] };
}

/** Where a value goes in a cached shape: Kysely binds it as a parameter like any value. */
class Slot {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/**
 * Building and compiling a statement with Kysely costs 10–200 µs (a members page with every filter
 * about 200), more than the hand-written text it replaces and too much for the hot pages. A
 * `ShapeCache` builds each shape once: `build` gets the shape (a small object of booleans and
 * enums that decides the statement's text) and, for the values, slots; the compiled parameters say
 * which slot each `$n` is. Later calls of the same shape only pick their values in that order.
 * The key is the whole shape, so a shape cannot be mistaken for another as long as `build` decides
 * the text from the shape alone and uses values only as values (never `values.x.length`, say).
 */
export class ShapeCache<S extends object, V extends object, O> {
  private readonly shapes = new Map<string, { statement: Statement; order: (keyof V)[] }>();
  private readonly build: (shape: S, values: V) => Compilable<O>;
  constructor(build: (shape: S, values: V) => Compilable<O>) {
    this.build = build;
  }

  prepared(shape: S, values: V): Prepared<O> {
    const key = JSON.stringify(shape);
    let known = this.shapes.get(key);
    if (!known) {
      const slots = new Proxy({}, { get: (_, name) => new Slot(String(name)) }) as V;
      const compiled = this.build(shape, slots).compile();
      const order = compiled.parameters.map((p) => {
        if (!(p instanceof Slot)) throw new Error(`a value of shape ${key} is not a slot: it would be fixed in the cached statement`);
        return p.name as keyof V;
      });
      known = { statement: shaped(compiled.sql), order };
      this.shapes.set(key, known);
    }
    return { statement: known.statement, values: known.order.map((name) => values[name]) };
  }
}

const isCompilable = <O>(query: Compilable<O> | Prepared<O>): query is Compilable<O> => typeof (query as Compilable<O>).compile === 'function';
const preparedOf = <O>(query: Compilable<O> | Prepared<O>): Prepared<O> => (isCompilable(query) ? prepared(query) : query);

/** Rows of a built query, on the primary. */
export function rowsOf<O>(em: Em, query: Compilable<O> | Prepared<O>): Promise<O[]> {
  const { statement, values } = preparedOf(query);
  return rows<O>(em, statement, values);
}

/** The first row of a built query, on the primary. */
export function rowOf<O>(em: Em, query: Compilable<O> | Prepared<O>): Promise<O | undefined> {
  const { statement, values } = preparedOf(query);
  return row<O>(em, statement, values);
}

/**
 * The status 'ACTIVE' written into the text, not bound, as the hand-written statements had it: a
 * constant of the statement's meaning, not a value of the request.
 */
export const ACTIVE = sql.lit<'ACTIVE'>('ACTIVE');

/**
 * `any($n::uuid[])` (or `text[]`), for `column = any(...)`: one bound array, so one statement text
 * for any number of values, where an `in` list would be one text (and one prepared statement) per length.
 */
export function anyOf<D, T extends keyof D>(eb: ExpressionBuilder<D, T>, values: readonly string[], type: 'uuid' | 'text' = 'uuid') {
  return eb.fn<string>('any', [eb.cast<string[]>(eb.val(values), sql.raw(`${type}[]`))]);
}

/** Runs a built write (or lock) on the primary; answers the number of rows it touched. */
export function execOf(em: Em, query: Compilable<unknown> | Prepared<unknown>): Promise<number> {
  const { statement, values } = preparedOf(query);
  return exec(em, statement, values);
}

/** Rows of a built list query that a read replica may answer (db/replicas.ts). */
export function replicaRowsOf<O>(em: Em, query: Compilable<O> | Prepared<O>): Promise<O[]> {
  const { statement, values } = preparedOf(query);
  return replicaRows<O>(em, statement, values);
}

/** The first row of `replicaRowsOf`. */
export function replicaRowOf<O>(em: Em, query: Compilable<O> | Prepared<O>): Promise<O | undefined> {
  const { statement, values } = preparedOf(query);
  return replicaRow<O>(em, statement, values);
}
