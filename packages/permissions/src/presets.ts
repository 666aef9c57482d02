// Presets: the built-in roles and policies of one platform (one per seed in /shared/seeds).
// Role permission lists may use wildcards: `resource:*` (every action of a resource) and `*`
// (the whole catalog, only for top roles). Org roles apply to every resource of the org;
// resource roles (ResourceTypeDef) only add permissions on one resource, never take any away.

import { ALL_PERMISSIONS, ORG_OWN } from './catalog.ts';
import { MAX_LIST_ITEMS } from './text.ts';

export interface RoleDefinition {
  key: string;
  name: string;
  description: string;
  permissions: readonly string[];
}

export interface ResourceTypeDef {
  key: string;
  name: string;
  /** Plural shown in navigation and lists ("Projects"). */
  pluralName: string;
  description: string;
  /** Org permission namespace of the type (`projects` → projects:read, projects:create, ...). */
  permissionPrefix: string;
  /** Roles a member can be granted on one resource of this type. */
  roles: RoleDefinition[];
  /** Role the creator of a resource holds on it implicitly. */
  creatorRoleKey?: string;
  /** Action whose `<prefix>:<action>` lets a holder rename a resource of the type; default `update`. */
  renameAction?: string;
  /** Resource role an assignment gives by default, by the assignee's org role key. */
  defaultRoleByOrgRole?: Readonly<Record<string, string>>;
  /**
   * R19 cap: the most a member gets on one resource through resource roles, by their org role key
   * (Spaces: an Operator assigned to a space gets Operator privileges there, whoever assigned them).
   * An org role missing here is not capped; with several org roles the caps add up.
   */
  orgRoleCaps?: Readonly<Record<string, readonly string[]>>;
}

export type OwnerModel = 'none' | 'single' | 'multiple';

export interface PresetPolicy {
  /** none: the top role (admin) holds org:own; single: exactly one owner (R6); multiple: several owners. */
  ownerModel: OwnerModel;
  invitations: boolean;
  provisioning: boolean;
  multipleRolesPerMembership: boolean;
  /** 0 = no custom roles. */
  customRoleLimit: number;
  /** Emails per provisioning call (R7: 10). */
  bulkLimit: number;
  /** Emails per invitation call, separate from provisioning (CloudTruth: "as many users as needed"). */
  invitationLimit: number;
  /**
   * Whether an owner may lower their own roles while another owner remains (CloudTruth: yes).
   * Otherwise R4 holds for everyone. The only owner is refused with LastOwnerError either way.
   */
  ownerSelfDowngrade: boolean;
  ownershipTransfer: boolean;
  /** Who may leave an organization (always subject to the owner floor, R5). */
  leave: 'any' | { requiresPermission: string };
  resourceTypes: ResourceTypeDef[];
}

export interface Preset {
  key: string;
  name: string;
  description: string;
  seed: string;
  roles: RoleDefinition[];
  defaultRoleKey: string;
  policy: PresetPolicy;
}

// R7: provisioning takes at most 10 emails per call in every preset; invitations by default too.
const BULK_LIMIT = 10;
/** CloudTruth invites "as many users as needed": one list holds up to MAX_LIST_ITEMS (the input gate's bound). */
const LONG_INVITATION_LIST = MAX_LIST_ITEMS;

// ---------------------------------------------------------------- gatehouse (default)

const gatehouse: Preset = {
  key: 'gatehouse',
  name: 'Gatehouse',
  description: 'Default: several owners, invitations and provisioning, several roles per member, custom roles.',
  seed: 'default',
  roles: [
    { key: 'owner', name: 'Owner', description: 'Everything, including billing, deleting the organization and granting ownership.', permissions: [ALL_PERMISSIONS] },
    {
      key: 'admin',
      name: 'Admin',
      description: 'Everything except billing, deleting the organization and granting ownership.',
      permissions: [
        'org:read', 'org:update', 'members:*', 'roles:manage', 'audit:read', 'tokens:create',
        'service_accounts:manage', 'permissions:check',
        'projects:*', 'environments:*', 'deployments:*', 'logs:*', 'backups:*', 'servers:*', 'applications:*',
        'domains:*', 'status_pages:*', 'runner_tokens:*', 'env_vars:*', 'secrets:*', 'parameters:*',
        'templates:*', 'integrations:*', 'spaces:*',
      ],
    },
    {
      key: 'manager',
      name: 'Manager',
      description: 'Manages every platform resource; cannot manage members or settings.',
      permissions: [
        'org:read', 'members:read', 'tokens:create',
        'projects:*', 'environments:*', 'deployments:*', 'logs:*', 'backups:*', 'servers:*', 'applications:*',
        'domains:*', 'status_pages:*', 'runner_tokens:*', 'env_vars:*', 'secrets:*', 'parameters:*',
        'templates:*', 'integrations:*', 'spaces:*',
      ],
    },
    {
      key: 'developer',
      name: 'Developer',
      description: 'Reads everything, creates, changes and deploys; no deleting, restoring or infrastructure.',
      permissions: [
        'org:read', 'members:read', 'tokens:create',
        'projects:read', 'projects:create', 'projects:update',
        'environments:read', 'environments:create', 'environments:update',
        'deployments:read', 'deployments:create', 'logs:read', 'backups:read', 'backups:create',
        'servers:read', 'applications:read', 'domains:read', 'status_pages:read',
        'env_vars:read', 'env_vars:manage', 'secrets:read',
        'parameters:read', 'parameters:create', 'parameters:update',
        'templates:read', 'templates:create', 'templates:update',
        'spaces:read', 'spaces:create', 'spaces:start', 'spaces:deploy', 'spaces:whitelist',
      ],
    },
    {
      key: 'viewer',
      name: 'Viewer',
      description: 'Read-only; no secrets or environment variables.',
      permissions: [
        'org:read', 'members:read', 'projects:read', 'environments:read', 'deployments:read', 'logs:read',
        'backups:read', 'servers:read', 'applications:read', 'domains:read', 'status_pages:read',
        'parameters:read', 'templates:read', 'spaces:read',
      ],
    },
  ],
  defaultRoleKey: 'viewer',
  policy: {
    ownerModel: 'multiple',
    invitations: true,
    provisioning: true,
    multipleRolesPerMembership: true,
    customRoleLimit: 20,
    bulkLimit: BULK_LIMIT,
    invitationLimit: BULK_LIMIT,
    ownerSelfDowngrade: false,
    ownershipTransfer: false, // several owners: grant owner to someone else instead
    leave: 'any',
    resourceTypes: [],
  },
};

// ---------------------------------------------------------------- reoclo (seed 000)
// Admin is the top role (no owner): it holds org:own, so admins grant admin (R3).
// Manager manages env vars too: they belong to the applications it manages.
// Viewer reads "everything", env vars included, as the seed says.
// Personal API tokens (not in the seed): every role that may change something.

const REOCLO_READ = [
  'org:read', 'members:read', 'servers:read', 'applications:read', 'deployments:read',
  'domains:read', 'status_pages:read', 'logs:read', 'env_vars:read',
];

const reoclo: Preset = {
  key: 'reoclo',
  name: 'Reoclo',
  description: 'Admin-provisioned teams, one role per member, admins on top.',
  seed: '000-reoclo',
  roles: [
    {
      key: 'admin',
      name: 'Admin',
      description: 'Full access. Manage users, servers, applications, domains, status pages, and organization settings.',
      permissions: [
        ...REOCLO_READ, ORG_OWN, 'org:update', 'org:delete', 'billing:manage', 'members:*', 'audit:read',
        'service_accounts:manage', 'permissions:check',
        'tokens:create', 'servers:manage', 'applications:manage', 'deployments:create', 'runner_tokens:create',
        'env_vars:manage', 'domains:manage', 'status_pages:manage',
      ],
    },
    {
      key: 'manager',
      name: 'Manager',
      description: 'Manage servers, applications, and deployments. Generate runner tokens. Cannot manage users or settings.',
      permissions: [
        ...REOCLO_READ, 'tokens:create', 'servers:manage', 'applications:manage', 'deployments:create',
        'runner_tokens:create', 'env_vars:manage',
      ],
    },
    {
      key: 'developer',
      name: 'Developer',
      description: 'Deploy applications and manage environment variables. Cannot manage infrastructure or users.',
      permissions: [...REOCLO_READ, 'tokens:create', 'deployments:create', 'env_vars:manage'],
    },
    {
      key: 'viewer',
      name: 'Viewer',
      description: 'Read-only access to everything. Cannot modify anything.',
      permissions: REOCLO_READ,
    },
  ],
  defaultRoleKey: 'viewer',
  policy: {
    ownerModel: 'none',
    invitations: false, // "no self-service signup or email invitation flow"
    provisioning: true,
    multipleRolesPerMembership: false,
    customRoleLimit: 0,
    bulkLimit: BULK_LIMIT,
    invitationLimit: BULK_LIMIT,
    ownerSelfDowngrade: false,
    ownershipTransfer: false,
    leave: 'any',
    resourceTypes: [],
  },
};

// ---------------------------------------------------------------- oec (seed 001)
// Follows "Role Permissions Quick Reference" (the checkmarks, lost in the seed, are those of
// doc.oec.sh/how-to/manage-team). Not in the table, decided here: org:update ("Admin: settings")
// and audit:read for Owner and Admin; personal tokens for Owner, Admin, Developer.
// Org roles apply to every project. "Developers who can only access specific projects": the
// org role restricted_developer holds no projects:* at all, so every project it reaches comes
// from a project role (R19), and it lists and reads exactly those (R1).

const OEC_VIEW = ['org:read', 'members:read', 'projects:read', 'environments:read', 'deployments:read', 'backups:read', 'logs:read'];
const OEC_BUILD = ['tokens:create', 'projects:create', 'projects:update', 'environments:create', 'environments:update', 'deployments:create', 'backups:create'];
const OEC_ADMIN = ['org:update', 'members:*', 'audit:read', 'service_accounts:manage', 'permissions:check', 'backups:restore', 'environments:delete', 'projects:delete', 'projects:assign', 'servers:*'];

const oec: Preset = {
  key: 'oec',
  name: 'OEC.SH',
  description: 'One owner (ownership moves by transfer), invitations, project-level roles.',
  seed: '001-oec',
  roles: [
    { key: 'owner', name: 'Owner', description: 'Everything, including billing.', permissions: [...OEC_VIEW, ...OEC_BUILD, ...OEC_ADMIN, ORG_OWN, 'billing:manage', 'org:delete'] },
    { key: 'admin', name: 'Admin', description: 'Manage members, servers, settings.', permissions: [...OEC_VIEW, ...OEC_BUILD, ...OEC_ADMIN] },
    { key: 'developer', name: 'Developer', description: 'Create projects, deploy, view logs.', permissions: [...OEC_VIEW, ...OEC_BUILD] },
    { key: 'viewer', name: 'Viewer', description: 'View only, no changes.', permissions: OEC_VIEW },
    {
      key: 'restricted_developer',
      name: 'Developer (assigned projects only)',
      description: 'Sees and works only in the projects they are added to, with their project role there.',
      permissions: ['org:read', 'members:read', 'tokens:create'],
    },
  ],
  defaultRoleKey: 'viewer',
  policy: {
    ownerModel: 'single',
    invitations: true,
    provisioning: false, // "They need to create an OEC.SH account if they don't have one."
    multipleRolesPerMembership: false,
    customRoleLimit: 0,
    bulkLimit: BULK_LIMIT,
    invitationLimit: BULK_LIMIT,
    ownerSelfDowngrade: false,
    ownershipTransfer: true,
    leave: 'any',
    resourceTypes: [
      {
        key: 'project',
        name: 'Project',
        pluralName: 'Projects',
        description: 'An OEC.SH project with its environments, deployments and backups.',
        permissionPrefix: 'projects',
        roles: [
          {
            key: 'project_admin',
            name: 'Project Admin',
            description: 'Full control of this project, including its members.',
            permissions: ['projects:read', 'projects:update', 'projects:delete', 'projects:assign', 'environments:*', 'deployments:*', 'backups:*', 'logs:read'],
          },
          {
            key: 'project_developer',
            name: 'Project Developer',
            description: 'Deploy and manage environments (no deleting environments, no restoring backups).',
            permissions: ['projects:read', 'environments:read', 'environments:create', 'environments:update', 'deployments:*', 'backups:read', 'backups:create', 'logs:read'],
          },
        ],
        // Developers create projects; the creator keeps full control of what they created.
        creatorRoleKey: 'project_admin',
      },
    ],
  },
};

// ---------------------------------------------------------------- eloquent (seed 002)
// admin holds the whole catalog so that, under the grant ceiling (R3), admins can grant any
// custom role; it is the top role (no owner). Custom roles carry the platform's own permissions.

const eloquent: Preset = {
  key: 'eloquent',
  name: 'Eloquent',
  description: 'Built-in user and admin, several roles per member, up to 20 custom roles, admin-created users.',
  seed: '002-eloquent',
  roles: [
    { key: 'user', name: 'user', description: 'Standard access.', permissions: ['org:read', 'members:read'] },
    { key: 'admin', name: 'admin', description: 'Full access to organization settings and management.', permissions: [ALL_PERMISSIONS] },
  ],
  defaultRoleKey: 'user',
  policy: {
    ownerModel: 'none',
    // Invitations off: the seed only creates users directly ("New User" → search email → Create),
    // existing accounts are added at once, and there is no email or acceptance step.
    invitations: false,
    provisioning: true,
    multipleRolesPerMembership: true, // "Roles — checkboxes"
    customRoleLimit: 20,
    bulkLimit: BULK_LIMIT,
    invitationLimit: BULK_LIMIT,
    ownerSelfDowngrade: false,
    ownershipTransfer: false,
    leave: 'any',
    resourceTypes: [],
  },
};

// ---------------------------------------------------------------- cloudtruth (seed 003)
// The seed's two tables, row by row:
//   View list of users: all                         → members:read (+ org:read)
//   Create personal API access tokens: O A C        → tokens:create
//   C-U-D 3rd-party integrations: O A               → integrations:manage
//   Manage and invite users: O A                    → members:invite, members:remove
//   View and download audit logs: O A               → audit:read
//   Update non owner roles and users: O A           → members:update
//   Update owner role and users: O                  → org:own (R3: only org:own holders grant owner)
//   Manage Account: O                               → org:update, org:delete, billing:manage
//   Switch projects: all                            → projects:read, environments:read
//   View parameters / secrets / templates: all      → parameters:read, secrets:read, templates:read
//   C-U-D environments / projects / parameters / templates: O A C → <resource>:create/update/delete
// The prose says changing roles and removing users need an Owner; the table (and "Admins ...
// set their roles to Admins") lets Admins do it for non-owners. We follow the table: the grant
// ceiling keeps Admins away from Owners (removal = taking away every role, see README).

const CT_VIEW = ['org:read', 'members:read', 'projects:read', 'environments:read', 'parameters:read', 'templates:read'];
const CT_CONTRIBUTE = ['tokens:create', 'projects:create', 'projects:update', 'projects:delete', 'environments:create', 'environments:update', 'environments:delete', 'parameters:create', 'parameters:update', 'parameters:delete', 'templates:create', 'templates:update', 'templates:delete'];
const CT_ADMIN = ['integrations:manage', 'members:*', 'audit:read', 'service_accounts:manage', 'permissions:check'];

const cloudtruth: Preset = {
  key: 'cloudtruth',
  name: 'CloudTruth',
  description: 'Several owners, comma-separated invitations, only owners grant owner, only admins and owners leave.',
  seed: '003-cloudtruth',
  roles: [
    { key: 'owner', name: 'Owner', description: 'Everything, including the account and owner roles.', permissions: [...CT_VIEW, 'secrets:read', ...CT_CONTRIBUTE, ...CT_ADMIN, ORG_OWN, 'org:update', 'org:delete', 'billing:manage'] },
    { key: 'admin', name: 'Admin', description: 'Manage users (not owners), integrations and audit logs.', permissions: [...CT_VIEW, 'secrets:read', ...CT_CONTRIBUTE, ...CT_ADMIN] },
    { key: 'contributor', name: 'Contributor', description: 'Create, update and delete projects, environments, parameters and templates.', permissions: [...CT_VIEW, 'secrets:read', ...CT_CONTRIBUTE] },
    { key: 'viewer', name: 'Viewer', description: 'View projects, parameters, secrets and templates.', permissions: [...CT_VIEW, 'secrets:read'] },
    { key: 'viewer_no_secrets', name: 'Viewer (no secrets)', description: 'Same as Viewer but cannot view project secrets.', permissions: CT_VIEW },
  ],
  defaultRoleKey: 'viewer',
  policy: {
    ownerModel: 'multiple', // "recommended to have at least two users assigned the Owner role"
    invitations: true,
    provisioning: false,
    multipleRolesPerMembership: false,
    customRoleLimit: 0,
    bulkLimit: BULK_LIMIT,
    invitationLimit: LONG_INVITATION_LIST, // "Enter as many users as needed via a comma-delimited list"
    ownerSelfDowngrade: true, // only the *only* Owner cannot be downgraded
    ownershipTransfer: false,
    // "Only Admins and Owners can leave": members:invite is held by exactly those two roles.
    leave: { requiresPermission: 'members:invite' },
    resourceTypes: [],
  },
};

// ---------------------------------------------------------------- spaces (seed 004)
// The seed's "Summary of User Privileges" lost its checkmarks; inferred from the role
// descriptions (and Viz Now's note that an assigned Operator "can only access the Apps and
// can not change your Space"). A = org-wide (org role), c = space created by the member
// (creator role space_owner), a = space assigned to the member (space_editor / space_operator):
//
//   row                                                   Admin  Editor  Operator
//   Access a deployed space they are assigned to           A      c a     a        spaces:read
//   Start and stop a space they own or are assigned to     A      c a     -        spaces:start
//   Start any space within their organization              A      -       -        spaces:start (org)
//   Create a new space                                     A      A       -        spaces:create
//   Deploy a space they own or are assigned to             A      c a     -        spaces:deploy
//   Deploy any space within their organization             A      -       -        spaces:deploy (org)
//   Destroy a space they own or are assigned to            A      c a     -        spaces:destroy
//   Destroy any space within their organization            A      -       -        spaces:destroy (org)
//   Delete a space they are assigned to                    A      c a     -        spaces:delete
//   Assign users to a space they own                       A      c       -        spaces:assign
//   Assign users to any space within the organization      A      -       -        spaces:assign (org)
//   Invite other users to a space                          A      c       -        spaces:assign
//   Whitelist themselves to any space they have access to  A      c a     -        spaces:whitelist
//   Edit the whitelist on any space they have access to    A      -       -        spaces:whitelist_manage
//   Add new users to the organization and assign roles     A      -       -        members:*
//   Any space not within their organization / create organizations: nobody (R1; platform admin, R15).
// Admin also "can configure the organization" (org:update) and "change credentials"
// (integrations:manage); it is the top role (org:own). Editors see the member list to assign.

const SPACE_EDIT = ['spaces:read', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:whitelist'];

const spaces: Preset = {
  key: 'spaces',
  name: 'Spaces',
  description: 'Admin-provisioned users (10 at a time), per-space assignment of Editors and Operators.',
  seed: '004-spaces',
  roles: [
    {
      key: 'admin',
      name: 'Admin',
      description: 'Full edit and access privileges for all spaces; configures the organization, manages users, changes credentials, assigns roles.',
      // "Create new organizations" (seed 004): used when ORGANIZATION_CREATION=permission.
      permissions: ['org:read', 'org:update', ORG_OWN, 'members:*', 'audit:read', 'tokens:create', 'integrations:manage', 'spaces:*', 'service_accounts:manage', 'permissions:check', 'organizations:create'],
    },
    {
      key: 'editor',
      name: 'Editor',
      description: 'Creates, deploys and destroys spaces; sees only spaces they created or are assigned to.',
      permissions: ['org:read', 'members:read', 'spaces:create'],
    },
    {
      key: 'operator',
      name: 'Operator',
      description: 'Accesses spaces assigned to them and retrieves login information for their apps.',
      permissions: ['org:read'],
    },
  ],
  defaultRoleKey: 'operator',
  policy: {
    ownerModel: 'none',
    invitations: false,
    provisioning: true,
    multipleRolesPerMembership: false,
    customRoleLimit: 0,
    bulkLimit: BULK_LIMIT, // "Up to ten users can be added at a time."
    invitationLimit: BULK_LIMIT,
    ownerSelfDowngrade: false,
    ownershipTransfer: false,
    leave: 'any',
    resourceTypes: [
      {
        key: 'space',
        name: 'Space',
        pluralName: 'Spaces',
        description: 'A Spaces space: deployable infrastructure with apps and a whitelist.',
        permissionPrefix: 'spaces',
        roles: [
          { key: 'space_owner', name: 'Space owner', description: 'Created the space: full use of it and assigns users to it.', permissions: [...SPACE_EDIT, 'spaces:assign'] },
          { key: 'space_editor', name: 'Space editor', description: 'Assigned Editor: starts, deploys, destroys and deletes the space.', permissions: SPACE_EDIT },
          { key: 'space_operator', name: 'Space operator', description: 'Assigned Operator: accesses the space and its apps.', permissions: ['spaces:read'] },
        ],
        creatorRoleKey: 'space_owner',
        // Spaces has no "change settings" privilege: whoever assigns users to a space (its owner, Admins) renames it.
        renameAction: 'assign',
        defaultRoleByOrgRole: { editor: 'space_editor', operator: 'space_operator' },
        // "Operator: access spaces that have been assigned to them": whatever role an Operator is
        // given on a space, they get spaces:read there. Editors get at most a space owner's rights.
        orgRoleCaps: { editor: [...SPACE_EDIT, 'spaces:assign'], operator: ['spaces:read'] },
      },
    ],
  },
};

export const PRESETS: readonly Preset[] = Object.freeze([gatehouse, reoclo, oec, eloquent, cloudtruth, spaces]);

export const PRESET_KEYS: readonly string[] = PRESETS.map((p) => p.key);

export const DEFAULT_PRESET_KEY = 'gatehouse';

export function getPreset(key: string): Preset {
  const preset = PRESETS.find((p) => p.key === key);
  if (!preset) {
    throw new Error(`Unknown permission preset "${key}". Valid presets: ${PRESET_KEYS.join(', ')}.`);
  }
  return preset;
}

export function getRole(preset: Preset, roleKey: string): RoleDefinition | undefined {
  return preset.roles.find((r) => r.key === roleKey);
}
