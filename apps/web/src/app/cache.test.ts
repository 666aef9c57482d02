import { describe, expect, it } from 'vitest';
import type { Cache } from '@urql/exchange-graphcache';
import { keys, updates } from './cache.ts';

/** A stand-in for graphcache's Cache that records invalidations. */
function fakeCache(fields: Record<string, { fieldName: string; arguments: Record<string, unknown> | null }[]>, links: Record<string, Record<string, unknown>> = {}) {
  const invalidated: string[] = [];
  const cache = {
    keyOfEntity: (e: { __typename: string; id: string }) => `${e.__typename}:${e.id}`,
    inspectFields: (entity: string) => (fields[entity] ?? []).map((f) => ({ ...f, fieldKey: f.fieldName })),
    invalidate: (entity: unknown, field?: string, args?: Record<string, unknown>) => {
      const key = typeof entity === 'string' ? entity : `${(entity as { __typename: string }).__typename}:${(entity as { id: string }).id}`;
      invalidated.push([key, field, args ? JSON.stringify(args) : ''].filter(Boolean).join(' '));
    },
    resolve: (entity: string, field: string) => links[entity]?.[field] ?? null,
  } as unknown as Cache;
  return { cache, invalidated };
}

const info = {} as never;

describe('graphcache config', () => {
  it('keys: connections, payloads and errors have no identity of their own', () => {
    for (const type of ['MembershipConnection', 'MembershipConnectionEdge', 'PageInfo', 'ProvisionMembersPayload', 'LastOwnerError', 'AuthPayload']) {
      expect(keys[type]?.({ __typename: type })).toBeNull();
    }
    expect(keys.Preset?.({ __typename: 'Preset', key: 'gatehouse' })).toBe('gatehouse');
  });

  it('removing a member drops the membership and every cached page of the member list and role counts', () => {
    const { cache, invalidated } = fakeCache(
      {
        'Organization:o1': [
          { fieldName: 'members', arguments: { first: 20, search: null } },
          { fieldName: 'members', arguments: { first: 20, search: 'erin' } },
          { fieldName: 'roles', arguments: null },
          { fieldName: 'name', arguments: null },
        ],
      },
      { 'Membership:m1': { organization: 'Organization:o1' }, 'Organization:o1': { id: 'o1' } },
    );
    updates.Mutation!.removeMember!({ removeMember: { __typename: 'RemovedMemberPayload', membershipId: 'm1' } }, { membershipId: 'm1' }, cache, info);
    expect(invalidated).toContain('Membership:m1');
    expect(invalidated.filter((i) => i.startsWith('Organization:o1 members'))).toHaveLength(2);
    expect(invalidated).toContain('Organization:o1 roles');
    expect(invalidated.some((i) => i.includes(' name'))).toBe(false);
  });

  it('a refused change (typed error) leaves the cache alone', () => {
    const { cache, invalidated } = fakeCache({ 'Organization:o1': [{ fieldName: 'members', arguments: null }] });
    updates.Mutation!.removeMember!({ removeMember: { __typename: 'LastOwnerError', message: 'no' } }, { membershipId: 'm1' }, cache, info);
    updates.Mutation!.provisionMembers!({ provisionMembers: { __typename: 'GrantCeilingError' } }, { organizationId: 'o1' }, cache, info);
    expect(invalidated).toEqual([]);
  });

  it('adding members refetches that organization’s member list', () => {
    const { cache, invalidated } = fakeCache({ 'Organization:o1': [{ fieldName: 'members', arguments: { first: 20 } }] });
    updates.Mutation!.provisionMembers!({ provisionMembers: { __typename: 'ProvisionMembersPayload' } }, { organizationId: 'o1' }, cache, info);
    expect(invalidated).toEqual(['Organization:o1 members {"first":20}']);
  });
});
