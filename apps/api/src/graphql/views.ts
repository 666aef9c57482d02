import type { UserStatus } from '../modules/users/user.entity.ts';
import type { MembershipStatus } from '../modules/memberships/membership.entity.ts';
import type { OrganizationStatus } from '../modules/organizations/organization.entity.ts';

/**
 * What the GraphQL types of the hot paths render. Entities satisfy these shapes, and so do plain
 * objects built straight from a page's rows: hydrating a MikroORM entity costs 15–130 µs (identity
 * map, change-tracking snapshot, references), a plain object well under 1 µs, and a members page
 * or the viewer's memberships render a hundred of them per request. Views are read-only: anything
 * that writes loads entities.
 */
const VIEW = Symbol('view');
type Kind = 'User' | 'Membership' | 'Role' | 'Organization';

interface Branded<K extends Kind> {
  readonly [VIEW]?: K;
}

export interface UserView extends Branded<'User'> {
  readonly id: string;
  readonly email: string;
  readonly emailVerifiedAt?: Date | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly authProvider: string;
  readonly mustChangePassword: boolean;
  readonly status: UserStatus;
  readonly isPlatformAdmin: boolean;
  readonly createdAt: Date;
  readonly lastLoginAt?: Date | null;
}

export interface MembershipView extends Branded<'Membership'> {
  readonly id: string;
  readonly organization: { readonly id: string };
  readonly user: { readonly id: string };
  readonly status: MembershipStatus;
  readonly addedById?: string | null;
  readonly createdAt: Date;
}

export interface RoleView extends Branded<'Role'> {
  readonly id: string;
  readonly organization: { readonly id: string };
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly builtin: boolean;
  readonly position: number;
}

export interface OrganizationView extends Branded<'Organization'> {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly status: OrganizationStatus;
  readonly createdAt: Date;
}

/** Whether a value is a plain view of that kind (entities are recognised by their class). */
export function isView(value: unknown, kind: Kind): boolean {
  return typeof value === 'object' && value !== null && (value as Branded<Kind>)[VIEW] === kind;
}

type Row = Record<string, unknown>;
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const maybeDate = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** Views from rows by column name, as `to_jsonb(t)` or `t.*` give them. */
export function userView(columns: object): UserView {
  const row = columns as Row;
  return {
    [VIEW]: 'User',
    id: String(row.id),
    email: String(row.email),
    emailVerifiedAt: maybeDate(row.email_verified_at),
    firstName: text(row.first_name),
    lastName: text(row.last_name),
    authProvider: text(row.auth_provider),
    mustChangePassword: Boolean(row.must_change_password),
    status: row.status as UserStatus,
    isPlatformAdmin: Boolean(row.is_platform_admin),
    createdAt: date(row.created_at),
    lastLoginAt: maybeDate(row.last_login_at),
  };
}

export function membershipView(columns: object): MembershipView {
  const row = columns as Row;
  return {
    [VIEW]: 'Membership',
    id: String(row.id),
    organization: { id: String(row.org_id) },
    user: { id: String(row.user_id) },
    status: row.status as MembershipStatus,
    addedById: (row.added_by_id as string | null) ?? null,
    createdAt: date(row.created_at),
  };
}

export function roleView(columns: object): RoleView {
  const row = columns as Row;
  return {
    [VIEW]: 'Role',
    id: String(row.id),
    organization: { id: String(row.org_id) },
    key: String(row.key),
    name: String(row.name),
    description: text(row.description),
    permissions: (row.permissions as string[]) ?? [],
    builtin: Boolean(row.builtin),
    position: Number(row.position ?? 0),
  };
}

export function organizationView(columns: object): OrganizationView {
  const row = columns as Row;
  return {
    [VIEW]: 'Organization',
    id: String(row.id),
    slug: String(row.slug),
    name: String(row.name),
    status: row.status as OrganizationStatus,
    createdAt: date(row.created_at),
  };
}
