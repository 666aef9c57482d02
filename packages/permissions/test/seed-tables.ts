// The seeds' permission tables written as data, row by row: [row, permissions, roles holding them].
// Rows marked "(decided)" are not in the seed; presets.ts says why. Every catalog permission a
// role holds must come from a row: the exhaustive test fails on anything extra or missing.

import { PERMISSION_KEYS } from '../src/index.ts';

export type SeedRow = readonly [row: string, permissions: readonly string[], roles: readonly string[]];

export const GATEHOUSE_TABLE: readonly SeedRow[] = [
  ['See the organization and its members', ['org:read', 'members:read'], ['owner', 'admin', 'manager', 'developer', 'viewer']],
  ['Change organization settings', ['org:update'], ['owner', 'admin']],
  ['Billing, delete organization, grant ownership', ['billing:manage', 'org:delete', 'org:own'], ['owner']],
  ['Manage members, custom roles, read the audit log', ['members:invite', 'members:update', 'members:remove', 'roles:manage', 'audit:read'], ['owner', 'admin']],
  ['Personal API tokens', ['tokens:create'], ['owner', 'admin', 'manager', 'developer']],
  ['(decided) the top role holds everything, so it creates organizations when ORGANIZATION_CREATION=permission', ['organizations:create'], ['owner']],
  ['(decided) Service accounts and permission checks for services: those who manage members', ['service_accounts:manage', 'permissions:check'], ['owner', 'admin']],
  [
    'Read platform resources',
    ['projects:read', 'environments:read', 'deployments:read', 'logs:read', 'backups:read', 'servers:read', 'applications:read', 'domains:read', 'status_pages:read', 'parameters:read', 'templates:read', 'spaces:read'],
    ['owner', 'admin', 'manager', 'developer', 'viewer'],
  ],
  ['Read secrets and environment variables', ['env_vars:read', 'secrets:read'], ['owner', 'admin', 'manager', 'developer']],
  [
    'Create, change and deploy',
    ['projects:create', 'projects:update', 'environments:create', 'environments:update', 'deployments:create', 'backups:create', 'env_vars:manage', 'parameters:create', 'parameters:update', 'templates:create', 'templates:update', 'spaces:create', 'spaces:start', 'spaces:deploy', 'spaces:whitelist'],
    ['owner', 'admin', 'manager', 'developer'],
  ],
  [
    'Delete, restore, infrastructure and integrations',
    ['projects:delete', 'projects:assign', 'environments:delete', 'backups:restore', 'servers:manage', 'applications:manage', 'domains:manage', 'status_pages:manage', 'runner_tokens:create', 'parameters:delete', 'templates:delete', 'integrations:manage', 'spaces:destroy', 'spaces:delete', 'spaces:assign', 'spaces:whitelist_manage'],
    ['owner', 'admin', 'manager'],
  ],
];

// Seed 000: the Roles and Permissions table (prose cells) and "Only admins can add, remove, or change user roles."
export const REOCLO_TABLE: readonly SeedRow[] = [
  [
    'Viewer: read-only access to everything',
    ['org:read', 'members:read', 'servers:read', 'applications:read', 'deployments:read', 'domains:read', 'status_pages:read', 'logs:read', 'env_vars:read'],
    ['admin', 'manager', 'developer', 'viewer'],
  ],
  ['Developer: deploy applications', ['deployments:create'], ['admin', 'manager', 'developer']],
  ['Developer: manage environment variables', ['env_vars:manage'], ['admin', 'manager', 'developer']],
  ['(decided) personal API tokens for every role that may change something', ['tokens:create'], ['admin', 'manager', 'developer']],
  ['Manager: manage servers, applications', ['servers:manage', 'applications:manage'], ['admin', 'manager']],
  ['Manager: generate runner tokens', ['runner_tokens:create'], ['admin', 'manager']],
  ['Admin: manage domains, status pages', ['domains:manage', 'status_pages:manage'], ['admin']],
  ['Admin: only admins can add, remove, or change user roles', ['members:invite', 'members:update', 'members:remove'], ['admin']],
  ['Admin: organization settings', ['org:update', 'org:delete', 'billing:manage'], ['admin']],
  ['Admin: full access, top role (no owner)', ['org:own'], ['admin']],
  ['(decided) user management is audit-logged; admins read it', ['audit:read'], ['admin']],
  ['(decided) service accounts and permission checks for services: admins, who manage users', ['service_accounts:manage', 'permissions:check'], ['admin']],
];

// Seed 001: "Role Permissions Quick Reference" (checkmarks from doc.oec.sh/how-to/manage-team).
export const OEC_TABLE: readonly SeedRow[] = [
  ['View projects/environments', ['projects:read', 'environments:read'], ['owner', 'admin', 'developer', 'viewer']],
  ['View logs and monitoring', ['logs:read'], ['owner', 'admin', 'developer', 'viewer']],
  ['Client access: deployment history, backup list', ['deployments:read', 'backups:read'], ['owner', 'admin', 'developer', 'viewer']],
  ['(decided) see the organization and its members', ['org:read', 'members:read'], ['owner', 'admin', 'developer', 'viewer', 'restricted_developer']],
  ['Create projects', ['projects:create', 'projects:update'], ['owner', 'admin', 'developer']],
  ['Deploy environments', ['deployments:create', 'environments:create', 'environments:update'], ['owner', 'admin', 'developer']],
  ['Create backups', ['backups:create'], ['owner', 'admin', 'developer']],
  ['(decided) personal API tokens', ['tokens:create'], ['owner', 'admin', 'developer', 'restricted_developer']],
  ['Project-Level Permissions: "developers who can only access specific projects" (no org-wide project access)', [], ['restricted_developer']],
  ['(decided) Admin: add members to any project (Project Admin: to their own)', ['projects:assign'], ['owner', 'admin']],
  ['Restore backups', ['backups:restore'], ['owner', 'admin']],
  ['Delete environments (and projects)', ['environments:delete', 'projects:delete'], ['owner', 'admin']],
  ['Manage servers', ['servers:read', 'servers:manage'], ['owner', 'admin']],
  ['Invite members (Admin: manage members)', ['members:invite', 'members:update', 'members:remove'], ['owner', 'admin']],
  ['(decided) Admin: settings; audit log', ['org:update', 'audit:read'], ['owner', 'admin']],
  ['(decided) service accounts and permission checks for services: who manages members', ['service_accounts:manage', 'permissions:check'], ['owner', 'admin']],
  ['Manage billing', ['billing:manage'], ['owner']],
  ['Delete organization', ['org:delete'], ['owner']],
  ['One Owner per organization', ['org:own'], ['owner']],
];

// Seed 002: "user — standard access", "admin — full access to organization settings and management".
export const ELOQUENT_TABLE: readonly SeedRow[] = [
  ['user — standard access', ['org:read', 'members:read'], ['user', 'admin']],
  ['admin — full access (the whole catalog, so admins can grant any custom role)', PERMISSION_KEYS, ['admin']],
];

// Seed 003: "Organization Permissions" and "Configuration Permissions", row by row.
const CT_ALL = ['owner', 'admin', 'contributor', 'viewer', 'viewer_no_secrets'];
export const CLOUDTRUTH_TABLE: readonly SeedRow[] = [
  ['View list of users', ['org:read', 'members:read'], CT_ALL],
  ['Create personal API access tokens', ['tokens:create'], ['owner', 'admin', 'contributor']],
  ['Create - Update - Delete 3rd-party integrations', ['integrations:manage'], ['owner', 'admin']],
  ['(decided) service accounts and permission checks for services, beside integrations', ['service_accounts:manage', 'permissions:check'], ['owner', 'admin']],
  ['Manage and invite users', ['members:invite', 'members:remove'], ['owner', 'admin']],
  ['View and Download audit logs', ['audit:read'], ['owner', 'admin']],
  ['Update non owner roles and users', ['members:update'], ['owner', 'admin']],
  ['Update owner role and users', ['org:own'], ['owner']],
  ['Manage Account', ['org:update', 'org:delete', 'billing:manage'], ['owner']],
  ['Switch Projects', ['projects:read', 'environments:read'], CT_ALL],
  ['View Project Parameters', ['parameters:read'], CT_ALL],
  ['View Project Secrets (not VIEWERNOSECRETS)', ['secrets:read'], ['owner', 'admin', 'contributor', 'viewer']],
  ['View Project Templates', ['templates:read'], CT_ALL],
  ['Create - Update - Delete Environments', ['environments:create', 'environments:update', 'environments:delete'], ['owner', 'admin', 'contributor']],
  ['Create - Update - Delete Projects', ['projects:create', 'projects:update', 'projects:delete'], ['owner', 'admin', 'contributor']],
  ['Create - Update - Delete Project Parameters', ['parameters:create', 'parameters:update', 'parameters:delete'], ['owner', 'admin', 'contributor']],
  ['Create - Update - Delete Project Templates', ['templates:create', 'templates:update', 'templates:delete'], ['owner', 'admin', 'contributor']],
];

// Seed 004, org-wide part (what an org role allows on every space). Per-space rows are in
// SPACES_RESOURCE_TABLE; the full inferred table is documented in presets.ts.
const SPACES_ANY = ['spaces:read', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:assign', 'spaces:whitelist', 'spaces:whitelist_manage'];
export const SPACES_TABLE: readonly SeedRow[] = [
  ['Admin: full edit and access privileges for all spaces (start/deploy/destroy/assign any space in the org)', SPACES_ANY, ['admin']],
  ['Create a new space', ['spaces:create'], ['admin', 'editor']],
  ['Admin: configure the organization', ['org:update'], ['admin']],
  ['Add new users to the organization and assign roles', ['members:invite', 'members:update', 'members:remove'], ['admin']],
  ['Admin: change credentials', ['integrations:manage'], ['admin']],
  ['Create new organizations (used when ORGANIZATION_CREATION=permission)', ['organizations:create'], ['admin']],
  ['(decided) Admin is the top role; audit log; API tokens', ['org:own', 'audit:read', 'tokens:create'], ['admin']],
  ['(decided) service accounts and permission checks for services', ['service_accounts:manage', 'permissions:check'], ['admin']],
  ['(decided) Editors see the member list to assign users to their spaces', ['members:read'], ['admin', 'editor']],
  ['(decided) every member sees the organization', ['org:read'], ['admin', 'editor', 'operator']],
];

export const SEED_TABLES: Readonly<Record<string, readonly SeedRow[]>> = {
  gatehouse: GATEHOUSE_TABLE,
  reoclo: REOCLO_TABLE,
  oec: OEC_TABLE,
  eloquent: ELOQUENT_TABLE,
  cloudtruth: CLOUDTRUTH_TABLE,
  spaces: SPACES_TABLE,
};

/** Seed 004 per space: org role × relation to the space → spaces:* actions allowed. */
export type SpaceRelation = 'creator' | 'assigned' | 'none';
export const SPACES_RESOURCE_TABLE: readonly (readonly [orgRole: string, relation: SpaceRelation, allowed: readonly string[]])[] = [
  ['admin', 'creator', ['spaces:read', 'spaces:create', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:assign', 'spaces:whitelist', 'spaces:whitelist_manage']],
  ['admin', 'none', ['spaces:read', 'spaces:create', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:assign', 'spaces:whitelist', 'spaces:whitelist_manage']],
  ['editor', 'creator', ['spaces:read', 'spaces:create', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:assign', 'spaces:whitelist']],
  ['editor', 'assigned', ['spaces:read', 'spaces:create', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:whitelist']],
  ['editor', 'none', ['spaces:create']],
  ['operator', 'assigned', ['spaces:read']],
  ['operator', 'none', []],
];
