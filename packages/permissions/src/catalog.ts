// The permission catalog: every `resource:action` string Gatehouse stores, checks or shows.
// Core permissions are enforced by Gatehouse itself; platform permissions belong to the
// protected platform (Gatehouse only stores them and answers checks).

export type PermissionKind = 'core' | 'platform';

export interface PermissionDef {
  key: PermissionKey;
  resource: string;
  action: string;
  description: string;
  kind: PermissionKind;
}

/** The top-role marker: owners, or admins in presets without an owner role (R3, R5). */
export const ORG_OWN = 'org:own' satisfies PermissionKey;

/** Grants every permission of the catalog (only for top roles; never in a custom role). */
export const ALL_PERMISSIONS = '*';

type Actions = Record<string, string>;

// Resources in display order; the SPA renders one checkbox group per resource.
const CORE = {
  org: {
    read: 'See the organization and its settings',
    update: 'Change the organization name and settings',
    delete: 'Delete the organization',
    own: 'Top role of the organization: grant and take away owner roles',
  },
  billing: { manage: 'Manage billing and the subscription' },
  members: {
    read: 'See the member list',
    invite: 'Add members (invite or provision)',
    update: 'Change members: roles, status, temporary passwords',
    remove: 'Remove members from the organization',
  },
  roles: { manage: 'Create, edit and delete custom roles' },
  audit: { read: 'Read and download the audit log' },
  tokens: { create: 'Create personal API access tokens' },
  organizations: { create: 'Create new organizations (when ORGANIZATION_CREATION=permission names this permission)' },
  service_accounts: { manage: 'Create service accounts, set their roles, issue and revoke their keys' },
  permissions: { check: 'Ask permission questions about any member or service account (checks, who can, accessible resources)' },
} as const satisfies Record<string, Actions>;

const PLATFORM = {
  projects: {
    read: 'See projects and switch between them',
    create: 'Create projects',
    update: 'Change project settings',
    delete: 'Delete projects',
    assign: 'Add members to a project and set their project role',
  },
  environments: {
    read: 'See environments and their status',
    create: 'Create environments',
    update: 'Change environments',
    delete: 'Delete environments',
  },
  deployments: { read: 'See deployment history', create: 'Deploy' },
  logs: { read: 'Read logs and monitoring' },
  backups: { read: 'See the backup list', create: 'Create backups', restore: 'Restore backups' },
  servers: { read: 'See servers', manage: 'Add, change and remove servers' },
  applications: { read: 'See applications', manage: 'Create, change and delete applications' },
  domains: { read: 'See domains', manage: 'Manage domains' },
  status_pages: { read: 'See status pages', manage: 'Manage status pages' },
  runner_tokens: { create: 'Generate runner tokens' },
  env_vars: { read: 'See environment variables', manage: 'Manage environment variables' },
  secrets: { read: 'See secret values' },
  parameters: {
    read: 'See project parameters',
    create: 'Create project parameters',
    update: 'Change project parameters',
    delete: 'Delete project parameters',
  },
  templates: {
    read: 'See project templates',
    create: 'Create project templates',
    update: 'Change project templates',
    delete: 'Delete project templates',
  },
  integrations: { manage: 'Create, change and delete third-party integrations' },
  spaces: {
    read: 'Access a space and the login information of its apps',
    create: 'Create spaces',
    start: 'Start and stop spaces',
    deploy: 'Deploy spaces',
    destroy: 'Destroy a space (tear down its infrastructure)',
    delete: 'Delete a space',
    assign: 'Assign users to a space',
    whitelist: 'Add yourself to the whitelist of a space',
    whitelist_manage: 'Edit anyone on the whitelist of a space',
  },
} as const satisfies Record<string, Actions>;

type KeysOf<Resources> = { [R in keyof Resources & string]: `${R}:${keyof Resources[R] & string}` }[keyof Resources & string];
/** A core permission Gatehouse enforces itself: `members:read`, `roles:manage`... A typo does not compile. */
export type CorePermission = KeysOf<typeof CORE>;
/** Any permission of the catalog, core or platform. */
export type PermissionKey = CorePermission | KeysOf<typeof PLATFORM>;

function definitions(kind: PermissionKind, resources: Record<string, Actions>): PermissionDef[] {
  return Object.entries(resources).flatMap(([resource, actions]) =>
    Object.entries(actions).map(([action, description]) => ({
      key: `${resource}:${action}` as PermissionKey,
      resource,
      action,
      description,
      kind,
    })),
  );
}

export const PERMISSION_CATALOG: readonly PermissionDef[] = Object.freeze([
  ...definitions('core', CORE),
  ...definitions('platform', PLATFORM),
]);

export const PERMISSION_KEYS = PERMISSION_CATALOG.map((p) => p.key) as readonly PermissionKey[];

const BY_KEY = new Map<string, PermissionDef>(PERMISSION_CATALOG.map((p) => [p.key, p]));

export function isKnownPermission(key: string): key is PermissionKey {
  return BY_KEY.has(key);
}

export function getPermission(key: string): PermissionDef | undefined {
  return BY_KEY.get(key);
}

export interface PermissionGroup {
  resource: string;
  kind: PermissionKind;
  permissions: PermissionDef[];
}

/** Catalog grouped by resource, in catalog order (core groups first). */
export function permissionsByResource(): PermissionGroup[] {
  const groups = new Map<string, PermissionGroup>();
  for (const p of PERMISSION_CATALOG) {
    let group = groups.get(p.resource);
    if (!group) {
      group = { resource: p.resource, kind: p.kind, permissions: [] };
      groups.set(p.resource, group);
    }
    group.permissions.push(p);
  }
  return [...groups.values()];
}

/** The keys of each resource, computed once: the catalog is fixed, and wildcards expand on every request. */
const KEYS_BY_RESOURCE: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const p of PERMISSION_CATALOG) map.set(p.resource, [...(map.get(p.resource) ?? []), p.key]);
  return map;
})();

/** Keys matched by an exact key, `resource:*` or `*`; empty when the pattern matches nothing known. */
export function matchPermissions(pattern: string): readonly string[] {
  if (pattern === ALL_PERMISSIONS) return PERMISSION_KEYS;
  if (pattern.endsWith(':*')) return KEYS_BY_RESOURCE.get(pattern.slice(0, -2)) ?? [];
  return isKnownPermission(pattern) ? [pattern] : [];
}

/** True for a catalog key or a wildcard that matches at least one catalog key. */
export function isKnownPermissionPattern(pattern: string): boolean {
  return matchPermissions(pattern).length > 0;
}
