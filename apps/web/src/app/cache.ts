// Normalized cache (graphcache): keys for types without an id, and cache updates after mutations
// that add, remove or move entities between lists.
import { cacheExchange, type Cache, type KeyingConfig, type UpdatesConfig } from '@urql/exchange-graphcache';
import { introspection } from '../graphql/introspection.ts';

/** Types that have no identity of their own: stored embedded in their parent. */
const EMBEDDED = [
  'AuthPayload', 'OkPayload', 'PageInfo', 'FieldIssue', 'PermissionCheck', 'PermissionGroup', 'PresetRole',
  'PresetPolicy', 'UserLookup', 'ProvisionMembersPayload', 'ProvisionResult', 'ProvisionMemberResult',
  'DeletedPayload', 'RemovedMemberPayload', 'LeftOrganizationPayload', 'TemporaryPasswordPayload',
  'InviteMembersPayload', 'InvitationResult', 'InviteResult', 'InvitationPreview', 'PermissionExplanation',
  'AcceptInvitationPayload', 'InvitationPreviewRole', 'ResendInvitationPayload', 'InvitationResourceGrant', 'ResourceType',
  'InvitationResourceGrantOutcome',
];

const SCHEMA_TYPES = new Set(introspection.__schema.types.map((t) => t.name as string));

export const keys: KeyingConfig = {
  // Only types the schema has (graphcache warns about the others in development).
  ...Object.fromEntries(EMBEDDED.filter((t) => SCHEMA_TYPES.has(t)).map((t) => [t, () => null])),
  Preset: (p) => (p.key as string) ?? null,
  Permission: (p) => (p.key as string) ?? null,
};

// Connections, connection edges and error types are embedded too.
for (const type of introspection.__schema.types) {
  const name = type.name;
  const isError = 'interfaces' in type && type.interfaces.some((i) => i.name === 'Error');
  if (name.endsWith('Connection') || name.endsWith('Edge') || isError) keys[name] = () => null;
}

/** Drops every cached variant (all argument sets) of `field` on `entity`, so lists refetch. */
export function invalidateField(cache: Cache, entity: string | null | undefined, field: string) {
  if (!entity) return;
  for (const f of cache.inspectFields(entity)) {
    if (f.fieldName === field) cache.invalidate(entity, f.fieldName, f.arguments ?? undefined);
  }
}

const orgKey = (cache: Cache, id: unknown) => (typeof id === 'string' ? cache.keyOfEntity({ __typename: 'Organization', id }) : null);
type Args = Record<string, unknown>;
type Result = Record<string, { __typename?: string } | null | undefined>;

function succeeded(result: Result, field: string, typename: string): boolean {
  return result[field]?.__typename === typename;
}

/** Everything that lists or counts members of an organization. */
function invalidateMemberLists(cache: Cache, orgId: unknown) {
  const org = orgKey(cache, orgId);
  invalidateField(cache, org, 'members');
  invalidateField(cache, org, 'roles'); // memberCount
  invalidateField(cache, org, 'auditLog');
  invalidateField(cache, 'Query', 'users');
}

function inputOf(args: Args): Args {
  return (args.input as Args | undefined) ?? args;
}

export const updates: UpdatesConfig = {
  Mutation: {
    provisionMembers(result, args, cache) {
      if (succeeded(result as Result, 'provisionMembers', 'ProvisionMembersPayload')) invalidateMemberLists(cache, args.organizationId);
    },
    setMemberRoles(result, _args, cache) {
      const m = (result as Result).setMemberRoles as { __typename?: string; organization?: { id: string } } | undefined;
      if (m?.__typename === 'Membership') {
        const org = orgKey(cache, m.organization?.id);
        invalidateField(cache, org, 'roles');
        invalidateField(cache, org, 'auditLog');
      }
    },
    setMembershipStatus(result, _args, cache) {
      const m = (result as Result).setMembershipStatus as { __typename?: string; organization?: { id: string } } | undefined;
      if (m?.__typename === 'Membership') invalidateField(cache, orgKey(cache, m.organization?.id), 'auditLog');
    },
    removeMember(result, args, cache) {
      if (!succeeded(result as Result, 'removeMember', 'RemovedMemberPayload')) return;
      const key = cache.keyOfEntity({ __typename: 'Membership', id: args.membershipId as string });
      const orgId = key ? cache.resolve(cache.resolve(key, 'organization') as string, 'id') : null;
      if (key) cache.invalidate(key);
      if (orgId) invalidateMemberLists(cache, orgId);
    },
    deleteUser(result, args, cache) {
      if (!succeeded(result as Result, 'deleteUser', 'DeletedPayload')) return;
      cache.invalidate({ __typename: 'User', id: args.userId as string });
      invalidateMemberLists(cache, args.organizationId);
    },
    leaveOrganization(result, _args, cache) {
      if (succeeded(result as Result, 'leaveOrganization', 'LeftOrganizationPayload')) {
        invalidateField(cache, 'Query', 'viewer');
        invalidateField(cache, 'Query', 'organization');
      }
    },
    grantOrganizationAccess(result, args, cache) {
      if (!succeeded(result as Result, 'grantOrganizationAccess', 'Membership')) return;
      invalidateField(cache, cache.keyOfEntity({ __typename: 'User', id: args.userId as string }), 'memberships');
      invalidateMemberLists(cache, args.organizationId);
    },
    createOrganization(result, _args, cache) {
      if (succeeded(result as Result, 'createOrganization', 'Organization')) {
        invalidateField(cache, 'Query', 'organizations');
        invalidateField(cache, 'Query', 'viewer');
      }
    },
    deleteOrganization(result, args, cache) {
      if (!succeeded(result as Result, 'deleteOrganization', 'DeletedPayload')) return;
      cache.invalidate({ __typename: 'Organization', id: args.organizationId as string });
      invalidateField(cache, 'Query', 'organizations');
      invalidateField(cache, 'Query', 'viewer');
    },
    createRole(result, args, cache) {
      if (succeeded(result as Result, 'createRole', 'Role')) invalidateField(cache, orgKey(cache, inputOf(args).organizationId), 'roles');
    },
    deleteRole(result, args, cache) {
      if (succeeded(result as Result, 'deleteRole', 'DeletedPayload')) cache.invalidate({ __typename: 'Role', id: args.roleId as string });
    },
    setUserStatus(_result, _args, cache) {
      invalidateField(cache, 'Query', 'users');
    },
    inviteMembers(_result, args, cache) {
      invalidateField(cache, orgKey(cache, inputOf(args).organizationId), 'invitations');
    },
    // The returned invitation updates itself (status REVOKED); invalidating that very object made
    // the mutation's own answer unreadable ("Something went wrong"). Only the lists refetch.
    revokeInvitation(result, _args, cache) {
      const inv = (result as Result).revokeInvitation as { __typename?: string; organization?: { id: string } } | undefined;
      if (inv?.__typename !== 'Invitation') return;
      const org = orgKey(cache, inv.organization?.id);
      invalidateField(cache, org, 'invitations');
      invalidateField(cache, org, 'auditLog');
    },
    // R25: mutations that change the viewer's own access reread it.
    acceptInvitation(result, _args, cache) {
      if (succeeded(result as Result, 'acceptInvitation', 'AcceptInvitationPayload')) invalidateField(cache, 'Query', 'viewer');
    },
    acceptOwnershipTransfer(_result, _args, cache) {
      invalidateField(cache, 'Query', 'viewer');
      invalidateField(cache, 'Query', 'organization');
    },
  },
};

export function createCacheExchange() {
  return cacheExchange({
    schema: introspection,
    keys,
    updates,
    // Relay global IDs are unique across types.
    globalIDs: true,
  });
}
