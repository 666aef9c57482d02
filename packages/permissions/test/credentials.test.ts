// R23 credentials: a token's subset is bounded by its owner's permissions, now and at every use (R2).
import { describe, expect, it } from 'vitest';
import { checkTokenPermissions, credentialRights, effectivePermissions, getPreset, getRole } from '../src/index.ts';

const developer = effectivePermissions([getRole(getPreset('gatehouse'), 'developer')!]);
const owner = effectivePermissions([getRole(getPreset('gatehouse'), 'owner')!]);

describe('personal access token permissions (R23)', () => {
  it('R23 accepts a subset of what the owner holds', () => {
    expect(checkTokenPermissions(['projects:read', 'deployments:create'], developer)).toEqual([]);
  });

  it('R23 refuses permissions the owner lacks, unknown keys, wildcards and org:own, naming each position', () => {
    const issues = checkTokenPermissions(['projects:delete', 'nope:x', 'projects:*', 'org:own', 'org:read'], developer);
    expect(issues.map((i) => [i.index, i.reason])).toEqual([[0, 'NOT_HELD'], [1, 'UNKNOWN'], [2, 'UNKNOWN'], [3, 'FORBIDDEN']]);
    expect(checkTokenPermissions(['org:own'], owner).map((i) => i.reason)).toEqual(['FORBIDDEN']);
  });

  it('R2 R23 rights are the subset intersected with the current permissions; none without a membership', () => {
    const subset = ['projects:read', 'projects:delete', 'org:own'];
    expect([...credentialRights(subset, owner)].sort()).toEqual(['projects:delete', 'projects:read']);
    expect([...credentialRights(subset, developer)]).toEqual(['projects:read']);
    expect(credentialRights(subset, undefined).size).toBe(0);
  });
});
