import { Reference, Utils, wrap, type EntityClass, type Primary } from '@mikro-orm/core';
import type { Em } from '../db/orm.ts';
import type { UserStatus } from '../modules/users/user.entity.ts';
import type { MembershipStatus } from '../modules/memberships/membership.entity.ts';
import type { OrganizationStatus } from '../modules/organizations/organization.entity.ts';

/**
 * What the GraphQL types of the hot paths render. Entities satisfy these shapes, and so do the view
 * classes below, built straight from a page's rows: hydrating a MikroORM entity costs 15–130 µs
 * (identity map, change-tracking snapshot, references), a view well under 1 µs, and a members page
 * or the viewer's memberships render a hundred of them per request. Views are read-only: anything
 * that writes loads entities. A view carries the related objects its statement already read
 * (a membership its organization, account and roles), so relation fields answer without a query.
 */
type Row = Record<string, unknown>;
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const maybeDate = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * The columns each view reads, as a JSON object built by PostgreSQL (`json_build_object`, cheaper to
 * build and to parse than a whole row's `to_jsonb`, which also carries columns no view shows, such
 * as a password hash). `alias` is the table's alias in the statement.
 */
const jsonOf = (alias: string, columns: readonly string[]) => `json_build_object(${columns.map((c) => `'${c}', ${alias}.${c}`).join(', ')})`;
const USER_VIEW_COLUMNS = ['id', 'email', 'email_verified_at', 'first_name', 'last_name', 'auth_provider', 'must_change_password', 'status', 'is_platform_admin', 'created_at', 'last_login_at'];
export const userViewJson = (alias: string) => jsonOf(alias, USER_VIEW_COLUMNS);
/** The same columns as plain select-list items, for a statement whose row is the account. */
export const userViewColumns = (alias: string) => USER_VIEW_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
export const organizationViewJson = (alias: string) => jsonOf(alias, ['id', 'slug', 'name', 'status', 'created_at']);
export const roleViewJson = (alias: string) => jsonOf(alias, ['id', 'org_id', 'key', 'name', 'description', 'permissions', 'builtin', 'position']);
export const membershipViewJson = (alias: string) => jsonOf(alias, ['id', 'org_id', 'user_id', 'status', 'added_by_id', 'created_at']);

/** An account as a row shows it (`userViewJson` or `u.*`). */
export class UserView {
  readonly id: string;
  readonly email: string;
  readonly emailVerifiedAt: Date | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly authProvider: string;
  readonly mustChangePassword: boolean;
  readonly status: UserStatus;
  readonly isPlatformAdmin: boolean;
  readonly createdAt: Date;
  readonly lastLoginAt: Date | null;
  constructor(columns: object) {
    const row = columns as Row;
    this.id = String(row.id);
    this.email = String(row.email);
    this.emailVerifiedAt = maybeDate(row.email_verified_at);
    this.firstName = text(row.first_name);
    this.lastName = text(row.last_name);
    this.authProvider = text(row.auth_provider);
    this.mustChangePassword = Boolean(row.must_change_password);
    this.status = row.status as UserStatus;
    this.isPlatformAdmin = Boolean(row.is_platform_admin);
    this.createdAt = date(row.created_at);
    this.lastLoginAt = maybeDate(row.last_login_at);
  }
}

export class OrganizationView {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly status: OrganizationStatus;
  readonly createdAt: Date;
  constructor(columns: object) {
    const row = columns as Row;
    this.id = String(row.id);
    this.slug = String(row.slug);
    this.name = String(row.name);
    this.status = row.status as OrganizationStatus;
    this.createdAt = date(row.created_at);
  }
}

export class RoleView {
  readonly id: string;
  readonly organization: { readonly id: string };
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly builtin: boolean;
  readonly position: number;
  constructor(columns: object) {
    const row = columns as Row;
    this.id = String(row.id);
    this.organization = { id: String(row.org_id) };
    this.key = String(row.key);
    this.name = String(row.name);
    this.description = text(row.description);
    this.permissions = (row.permissions as string[]) ?? [];
    this.builtin = Boolean(row.builtin);
    this.position = Number(row.position ?? 0);
  }
}

/** What a membership view carries besides its own columns: whatever its statement read with it. */
export interface MembershipRelations {
  organization?: OrganizationView;
  /** The account as a view, or the signed-in user's entity. */
  user?: UserView | { readonly id: string };
  roles?: readonly RoleView[];
}

export class MembershipView {
  readonly id: string;
  readonly organization: OrganizationView | { readonly id: string };
  readonly user: UserView | { readonly id: string };
  /** The roles, when the statement read them (else the field loads them). */
  readonly roles: readonly RoleView[] | undefined;
  readonly status: MembershipStatus;
  readonly addedById: string | null;
  readonly createdAt: Date;
  constructor(columns: object, related: MembershipRelations = {}) {
    const row = columns as Row;
    this.id = String(row.id);
    this.organization = related.organization ?? { id: String(row.org_id) };
    this.user = related.user ?? { id: String(row.user_id) };
    this.roles = related.roles;
    this.status = row.status as MembershipStatus;
    this.addedById = (row.added_by_id as string | null) ?? null;
    this.createdAt = date(row.created_at);
  }
}

/**
 * A relation that is part of its parent (a membership's organization and account, a role's
 * organization: shown with the parent, R1): the object the parent already holds, a view or a loaded
 * entity, else the ORM's batched reference load (one statement per entity type per tick).
 */
export function partOf<T extends object>(em: Em, entity: EntityClass<T>, value: object & { readonly id: string }): object | Promise<object | null> {
  if (value instanceof UserView || value instanceof OrganizationView || value instanceof RoleView) return value;
  if (Utils.isEntity(value)) return wrap(value).isInitialized() ? value : Reference.create(value).load({ dataloader: true });
  return Reference.create(em.getReference(entity, (value as { id: string }).id as Primary<T>)).load({ dataloader: true });
}

