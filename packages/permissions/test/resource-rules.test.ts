// R19 resource roles: R3 grant ceiling, R4 no self change and the preset's cap by org role, against
// the Spaces privileges table and OEC.SH's project roles, with grants made by every role.
import { describe, expect, it } from 'vitest';
import {
  canManageResourceMembers,
  checkResourceGrantChange,
  checkRoleChange,
  describeResourceGrantProblem,
  effectivePermissions,
  findResourceType,
  getPreset,
  getRole,
  isOwnerSelfDowngrade,
  lastOwnerMessage,
  permissionsOnResource,
  permissionsUsedByPreset,
  resourceRoleCap,
  resourceRoleOptions,
  resourceRolePermissions,
  rolesWithinCap,
  summarizeResourceType,
  type Preset,
  type ResourceGrantProblem,
  type ResourceTypeDef,
} from '../src/index.ts';

const spaces = getPreset('spaces');
const SPACE = findResourceType(spaces, 'space')!;
const oec = getPreset('oec');
const PROJECT = findResourceType(oec, 'project')!;

const orgPerms = (preset: Preset, keys: readonly string[]) => effectivePermissions(keys.map((k) => getRole(preset, k)!));

/** A grantor: their org role and the resource roles they hold on the resource (creator role included). */
interface Grantor {
  label: string;
  orgRoles: string[];
  onResource: string[];
}

function actorOn(preset: Preset, def: ResourceTypeDef, g: Grantor) {
  const org = orgPerms(preset, g.orgRoles);
  return { actorOrgPerms: org, actorPermsOnResource: permissionsOnResource(org, { def, orgRoleKeys: g.orgRoles, roleKeys: g.onResource }) };
}

function grant(preset: Preset, def: ResourceTypeDef, g: Grantor, targetOrgRoles: string[], roleKey: string | null, current: string | null = null): ResourceGrantProblem['code'][] {
  return checkResourceGrantChange({
    def,
    actorUserId: 'actor',
    targetUserId: 'target',
    ...actorOn(preset, def, g),
    targetOrgRoleKeys: targetOrgRoles,
    currentRoleKey: current,
    nextRoleKey: roleKey,
  }).map((p) => p.code);
}

// ---------------------------------------------------------------- Spaces (seed 004)

/** Every org role of the preset as a grantor, in each relation it can have to a space. */
const SPACE_GRANTORS: Grantor[] = [
  { label: 'Admin', orgRoles: ['admin'], onResource: [] },
  { label: 'Editor who created the space (space_owner)', orgRoles: ['editor'], onResource: ['space_owner'] },
  { label: 'Editor assigned to the space (space_editor)', orgRoles: ['editor'], onResource: ['space_editor'] },
  { label: 'Editor with no relation to the space', orgRoles: ['editor'], onResource: [] },
  { label: 'Operator assigned to the space', orgRoles: ['operator'], onResource: ['space_operator'] },
  { label: 'Operator with no relation to the space', orgRoles: ['operator'], onResource: [] },
];

/** "Assign users to a space they own / any space within the organization": Admin anywhere, Editor on spaces they own. */
const SPACE_MAY_ASSIGN: Record<string, boolean> = {
  'Admin': true,
  'Editor who created the space (space_owner)': true,
  'Editor assigned to the space (space_editor)': false,
  'Editor with no relation to the space': false,
  'Operator assigned to the space': false,
  'Operator with no relation to the space': false,
};

/** Space roles each grantee org role may receive: "an Operator accesses spaces assigned to them", nothing more. */
const SPACE_RECEIVABLE: Record<string, string[]> = {
  admin: ['space_owner', 'space_editor', 'space_operator'],
  editor: ['space_owner', 'space_editor', 'space_operator'],
  operator: ['space_operator'],
};

describe('R19 spaces: grants made by every role, to every org role, of every space role', () => {
  const cases = SPACE_GRANTORS.flatMap((g) =>
    ['admin', 'editor', 'operator'].flatMap((target) => SPACE.roles.map((r) => [g.label, target, r.key] as const)),
  );
  it.each(cases)('R3 R19 %s grants a %s %s', (label, target, roleKey) => {
    const g = SPACE_GRANTORS.find((x) => x.label === label)!;
    // Whoever may not assign is told only that; whoever may is held to the grantee's cap.
    const expected: ResourceGrantProblem['code'][] = !SPACE_MAY_ASSIGN[label] ? ['NOT_ALLOWED'] : SPACE_RECEIVABLE[target]!.includes(roleKey) ? [] : ['ORG_ROLE_CAP'];
    expect(grant(spaces, SPACE, g, [target], roleKey)).toEqual(expected);
  });

  it('R19 the issue: an Editor who created a space cannot make an Operator its space_editor', () => {
    const problems = checkResourceGrantChange({
      def: SPACE, actorUserId: 'e', targetUserId: 'o', ...actorOn(spaces, SPACE, SPACE_GRANTORS[1]!),
      targetOrgRoleKeys: ['operator'], currentRoleKey: null, nextRoleKey: 'space_editor',
    });
    expect(problems).toEqual([{ code: 'ORG_ROLE_CAP', roleKey: 'space_editor', exceeding: ['spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:whitelist'], allowedRoleKeys: ['space_operator'] }]);
    expect(describeResourceGrantProblem(problems[0]!, SPACE)).toBe('Their organization role allows at most space_operator on a space.');
  });

  it('R3 a custom role with members:update but no space permissions cannot grant what it lacks', () => {
    const custom = { label: 'custom', orgRoles: [], onResource: [] };
    const problems = checkResourceGrantChange({
      def: SPACE, actorUserId: 'a', targetUserId: 't', actorOrgPerms: new Set(['org:read', 'members:update']),
      actorPermsOnResource: permissionsOnResource(new Set(['org:read', 'members:update']), { def: SPACE, orgRoleKeys: custom.orgRoles, roleKeys: [] }),
      targetOrgRoleKeys: ['editor'], currentRoleKey: null, nextRoleKey: 'space_operator',
    });
    expect(problems).toEqual([{ code: 'GRANT_CEILING', roleKeys: ['space_operator'], missing: ['spaces:read'] }]);
  });

  it('R3 taking a role away needs it within the grantor too; changing a role checks both', () => {
    const editorOwner = SPACE_GRANTORS[1]!;
    expect(grant(spaces, SPACE, editorOwner, ['editor'], null, 'space_editor')).toEqual([]);
    expect(grant(spaces, SPACE, editorOwner, ['editor'], 'space_operator', 'space_editor')).toEqual([]);
    expect(grant(spaces, SPACE, SPACE_GRANTORS[2]!, ['operator'], null, 'space_operator')).toEqual(['NOT_ALLOWED']);
    // An Operator given space_editor before the cap existed can still be brought down to space_operator.
    expect(grant(spaces, SPACE, editorOwner, ['operator'], 'space_operator', 'space_editor')).toEqual([]);
  });

  it('R4 nobody changes their own space role, admins included: who manages the members is told SELF_ROLE_CHANGE, who does not NOT_ALLOWED (as for anyone)', () => {
    for (const g of SPACE_GRANTORS) {
      const actor = actorOn(spaces, SPACE, g);
      const problems = checkResourceGrantChange({
        def: SPACE, actorUserId: 'same', targetUserId: 'same', ...actor,
        targetOrgRoleKeys: g.orgRoles, currentRoleKey: null, nextRoleKey: 'space_operator',
      });
      const manages = canManageResourceMembers(SPACE, actor.actorOrgPerms, actor.actorPermsOnResource);
      expect(problems.map((p) => p.code)[0], g.label).toBe(manages ? 'SELF_ROLE_CHANGE' : 'NOT_ALLOWED');
      expect(problems.length, g.label).toBeGreaterThan(0);
    }
  });

  it('R3 unknown role keys are refused by name', () => {
    expect(grant(spaces, SPACE, SPACE_GRANTORS[0]!, ['editor'], 'project_admin')).toEqual(['UNKNOWN_ROLE']);
  });
});

/**
 * Seed 004's "Summary of User Privileges", row by row: what a grantee holds on a space after being
 * assigned, per org role and space role given. The cap applies at read time too, so an Operator who
 * holds space_editor (granted while they were an Editor) still gets Operator privileges only.
 */
const SPACE_ROWS: [row: string, permission: string][] = [
  ['Access a deployed space that they are assigned to', 'spaces:read'],
  ['Start and stop a space they own or are assigned to', 'spaces:start'],
  ['Deploy a space they own or are assigned to', 'spaces:deploy'],
  ['Destroy a space they own or are assigned to', 'spaces:destroy'],
  ['Delete a space they are assigned to', 'spaces:delete'],
  ['Assign users to a space they own', 'spaces:assign'],
  ['Invite other users to a space', 'spaces:assign'],
  ['Whitelist themselves to any space they have access to', 'spaces:whitelist'],
  ['Edit the whitelist on any space they have access to', 'spaces:whitelist_manage'],
];
const EDIT = ['spaces:read', 'spaces:start', 'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:whitelist'];
const ALL_SPACE = [...EDIT, 'spaces:assign', 'spaces:whitelist_manage'];
/** org role → space role held → spaces:* permissions held on that space. */
const HELD: Record<string, Record<string, string[]>> = {
  admin: { space_owner: ALL_SPACE, space_editor: ALL_SPACE, space_operator: ALL_SPACE },
  editor: { space_owner: [...EDIT, 'spaces:assign'], space_editor: EDIT, space_operator: ['spaces:read'] },
  operator: { space_owner: ['spaces:read'], space_editor: ['spaces:read'], space_operator: ['spaces:read'] },
};

describe('R19 spaces privileges per space, row by row', () => {
  const cases = SPACE_ROWS.flatMap(([row, perm]) => ['admin', 'editor', 'operator'].flatMap((org) => SPACE.roles.map((r) => [row, perm, org, r.key] as const)));
  it.each(cases)('%s (%s): a %s holding %s', (_row, perm, org, roleKey) => {
    const held = permissionsOnResource(orgPerms(spaces, [org]), { def: SPACE, orgRoleKeys: [org], roleKeys: [roleKey] });
    expect(held.has(perm)).toBe(HELD[org]![roleKey]!.includes(perm));
  });

  it('R19 caps: operators get spaces:read, editors a space owner at most, admins are not capped; several org roles add up', () => {
    expect([...resourceRoleCap(SPACE, ['operator'])!]).toEqual(['spaces:read']);
    expect(resourceRoleCap(SPACE, ['admin'])).toBeNull();
    expect(resourceRoleCap(SPACE, ['operator', 'admin'])).toBeNull();
    expect([...resourceRoleCap(SPACE, ['operator', 'editor'])!].sort()).toEqual([...EDIT, 'spaces:assign'].sort());
    expect(rolesWithinCap(SPACE, ['operator']).map((r) => r.key)).toEqual(['space_operator']);
    expect([...resourceRolePermissions({ def: SPACE, orgRoleKeys: ['operator'], roleKeys: ['space_owner', 'space_editor'] })]).toEqual(['spaces:read']);
    expect([...resourceRolePermissions({ def: SPACE, orgRoleKeys: ['editor'], roleKeys: ['no_such_role'] })]).toEqual([]);
  });
});

// ---------------------------------------------------------------- OEC.SH projects (seed 001)

const PROJECT_GRANTORS: Grantor[] = [
  { label: 'Owner', orgRoles: ['owner'], onResource: [] },
  { label: 'Admin', orgRoles: ['admin'], onResource: [] },
  { label: 'Developer who created the project (project_admin)', orgRoles: ['developer'], onResource: ['project_admin'] },
  { label: 'Developer who is its Project Developer', orgRoles: ['developer'], onResource: ['project_developer'] },
  { label: 'Developer with no project role', orgRoles: ['developer'], onResource: [] },
  { label: 'Viewer who is its Project Admin', orgRoles: ['viewer'], onResource: ['project_admin'] },
  { label: 'Viewer with no project role', orgRoles: ['viewer'], onResource: [] },
  { label: 'Restricted developer who is its Project Admin', orgRoles: ['restricted_developer'], onResource: ['project_admin'] },
  { label: 'Restricted developer who is its Project Developer', orgRoles: ['restricted_developer'], onResource: ['project_developer'] },
];

/** "Project Admin - Full control of this project": Owner, Admin and Project Admins add members; nobody else. */
const PROJECT_MAY_ASSIGN = new Set([
  'Owner', 'Admin', 'Developer who created the project (project_admin)', 'Viewer who is its Project Admin', 'Restricted developer who is its Project Admin',
]);

describe('R19 oec projects: grants made by every role, to every org role, of every project role', () => {
  const cases = PROJECT_GRANTORS.flatMap((g) => oec.roles.flatMap((target) => PROJECT.roles.map((r) => [g.label, target.key, r.key] as const)));
  it.each(cases)('R3 %s grants a %s %s', (label, target, roleKey) => {
    const g = PROJECT_GRANTORS.find((x) => x.label === label)!;
    // OEC has no cap by org role: any member of the org can be given any project role.
    expect(grant(oec, PROJECT, g, [target], roleKey)).toEqual(PROJECT_MAY_ASSIGN.has(label) ? [] : ['NOT_ALLOWED']);
  });

  it('R3 a Project Admin may not take away a role they could not give (none here: project_admin holds every project permission)', () => {
    const pa = PROJECT_GRANTORS[2]!;
    expect(grant(oec, PROJECT, pa, ['developer'], null, 'project_admin')).toEqual([]);
    expect(grant(oec, PROJECT, pa, ['developer'], 'project_developer', 'project_admin')).toEqual([]);
  });

  it('restricted_developer holds nothing on a project without a project role, and exactly the role with one', () => {
    const org = orgPerms(oec, ['restricted_developer']);
    expect([...org].filter((p) => p.startsWith('projects:') || p.startsWith('environments:'))).toEqual([]);
    const withRole = permissionsOnResource(org, { def: PROJECT, orgRoleKeys: ['restricted_developer'], roleKeys: ['project_developer'] });
    expect(withRole.has('projects:read')).toBe(true);
    expect(withRole.has('deployments:create')).toBe(true);
    expect(withRole.has('projects:delete')).toBe(false);
  });
});

describe('resourceRoleOptions (what the SPA shows in its role selector)', () => {
  it('an Editor who created a space, choosing for an Operator: only space_operator, the others say why', () => {
    const options = resourceRoleOptions({
      def: SPACE, actorUserId: 'e', targetUserId: 'o', ...actorOn(spaces, SPACE, SPACE_GRANTORS[1]!), targetOrgRoleKeys: ['operator'], currentRoleKey: null,
    });
    expect(options.map((o) => [o.role.key, o.allowed ? 'OK' : o.reason.code])).toEqual([
      ['space_owner', 'ORG_ROLE_CAP'], ['space_editor', 'ORG_ROLE_CAP'], ['space_operator', 'OK'],
    ]);
  });
});

describe('discovery: summarizeResourceType', () => {
  it('spaces: editors and admins create, admins manage everywhere, operators receive space_operator only', () => {
    const s = summarizeResourceType(spaces, SPACE);
    expect(s.creatorOrgRoleKeys).toEqual(['admin', 'editor']);
    expect(s.managerOrgRoleKeys).toEqual(['admin']);
    expect(s.readAllOrgRoleKeys).toEqual(['admin']);
    expect(s.grantableTo).toEqual({ space_owner: ['admin', 'editor'], space_editor: ['admin', 'editor'], space_operator: ['admin', 'editor', 'operator'] });
  });

  it('oec: owner, admin and developer create projects; restricted developers read none without a grant', () => {
    const s = summarizeResourceType(oec, PROJECT);
    expect(s.creatorOrgRoleKeys).toEqual(['owner', 'admin', 'developer']);
    expect(s.managerOrgRoleKeys).toEqual(['owner', 'admin']);
    expect(s.readAllOrgRoleKeys).toEqual(['owner', 'admin', 'developer', 'viewer']);
    expect(s.grantableTo.project_developer).toEqual(['owner', 'admin', 'developer', 'viewer', 'restricted_developer']);
  });

  it('permissionsUsedByPreset: spaces uses spaces:* and the core permissions it names, not projects', () => {
    const used = permissionsUsedByPreset(spaces);
    expect(used.has('spaces:whitelist_manage')).toBe(true);
    expect(used.has('projects:read')).toBe(false);
    expect(permissionsUsedByPreset(oec).has('projects:assign')).toBe(true);
  });
});

// ---------------------------------------------------------------- owner policies (R4, R5)

describe('R4 R5 owner self-downgrade per preset', () => {
  const roles = (p: Preset, keys: string[]) => keys.map((k) => getRole(p, k)!);
  const change = (p: Preset, from: string[], to: string[]) =>
    checkRoleChange({ actorUserId: 'me', targetUserId: 'me', actorPerms: effectivePermissions(roles(p, from)), currentRoles: roles(p, from), nextRoles: roles(p, to), policy: p.policy }).map((x) => x.code);
  const ct = getPreset('cloudtruth');
  const gh = getPreset('gatehouse');

  it.each([
    ['cloudtruth', 'owner', 'admin', []],
    ['cloudtruth', 'owner', 'viewer', []],
    ['cloudtruth', 'owner', 'owner', []],
    ['cloudtruth', 'admin', 'contributor', ['SELF_ROLE_CHANGE']],
    ['cloudtruth', 'contributor', 'viewer', ['SELF_ROLE_CHANGE']],
    ['oec', 'owner', 'admin', ['SELF_ROLE_CHANGE', 'SINGLE_OWNER']],
    ['gatehouse', 'owner', 'admin', ['SELF_ROLE_CHANGE']],
    ['spaces', 'admin', 'editor', ['SELF_ROLE_CHANGE']],
  ] as const)('R4 %s: a %s lowering themselves to %s → %j', (presetKey, from, to, expected) => {
    expect(change(getPreset(presetKey), [from], [to])).toEqual(expected);
  });

  it('R4 the self-downgrade exception never allows raising, nor dropping every role (that is leaving)', () => {
    expect(isOwnerSelfDowngrade({ currentRoles: roles(ct, ['owner']), nextRoles: [], policy: ct.policy })).toBe(false);
    expect(isOwnerSelfDowngrade({ currentRoles: roles(ct, ['admin']), nextRoles: roles(ct, ['owner']), policy: ct.policy })).toBe(false);
    expect(isOwnerSelfDowngrade({ currentRoles: roles(gh, ['owner']), nextRoles: roles(gh, ['admin']), policy: gh.policy })).toBe(false);
  });

  it('R5 the last owner is told what to do', () => {
    expect(lastOwnerMessage(ct.policy, 'Owner')).toBe("This is the organization's only Owner: another user must be made Owner first.");
    expect(lastOwnerMessage(oec.policy, 'Owner')).toBe("This is the organization's only Owner: transfer ownership to another member first.");
  });

  it('invitation lists: CloudTruth takes 100 in one list, provisioning stays at 10 everywhere', () => {
    expect(ct.policy.invitationLimit).toBe(100);
    expect(ct.policy.ownerSelfDowngrade).toBe(true);
    for (const key of ['gatehouse', 'reoclo', 'oec', 'eloquent', 'cloudtruth', 'spaces']) expect(getPreset(key).policy.bulkLimit).toBe(10);
  });
});
