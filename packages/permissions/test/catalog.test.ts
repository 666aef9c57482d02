import { describe, expect, it } from 'vitest';
import {
  ALL_PERMISSIONS,
  ORG_OWN,
  PERMISSION_CATALOG,
  PERMISSION_KEYS,
  isKnownPermission,
  isKnownPermissionPattern,
  matchPermissions,
  permissionsByResource,
} from '../src/index.ts';

const CORE = [
  'org:read', 'org:update', 'org:delete', 'org:own', 'billing:manage', 'members:read', 'members:invite',
  'members:update', 'members:remove', 'roles:manage', 'audit:read', 'tokens:create', 'organizations:create',
  'service_accounts:manage', 'permissions:check',
];

describe('permission catalog', () => {
  it('holds exactly the core permissions Gatehouse enforces, first and marked core', () => {
    expect(PERMISSION_CATALOG.filter((p) => p.kind === 'core').map((p) => p.key)).toEqual(CORE);
    expect(PERMISSION_KEYS.slice(0, CORE.length)).toEqual(CORE);
    expect(ORG_OWN).toBe('org:own');
  });

  it('keys are unique and spelled resource:action with a description', () => {
    expect(new Set(PERMISSION_KEYS).size).toBe(PERMISSION_KEYS.length);
    for (const p of PERMISSION_CATALOG) {
      expect(p.key).toBe(`${p.resource}:${p.action}`);
      expect(p.key).toMatch(/^[a-z_]+:[a-z_]+$/);
      expect(p.description.length).toBeGreaterThan(0);
    }
  });

  it.each([
    'projects:read', 'projects:create', 'projects:update', 'projects:delete', 'environments:read', 'environments:delete',
    'deployments:create', 'servers:manage', 'applications:manage', 'domains:manage', 'status_pages:manage',
    'runner_tokens:create', 'env_vars:manage', 'logs:read', 'backups:create', 'backups:restore', 'secrets:read',
    'parameters:read', 'templates:read', 'integrations:manage', 'spaces:read', 'spaces:create', 'spaces:start',
    'spaces:deploy', 'spaces:destroy', 'spaces:delete', 'spaces:assign', 'spaces:whitelist',
  ])('has platform permission %s', (key) => {
    expect(isKnownPermission(key)).toBe(true);
    expect(PERMISSION_CATALOG.find((p) => p.key === key)?.kind).toBe('platform');
  });

  it('isKnownPermission refuses unknown keys and wildcards', () => {
    expect(isKnownPermission('projects:fly')).toBe(false);
    expect(isKnownPermission('projects:*')).toBe(false);
    expect(isKnownPermission('')).toBe(false);
  });

  it('permissionsByResource groups every permission once, in catalog order, core groups first', () => {
    const groups = permissionsByResource();
    expect(groups.flatMap((g) => g.permissions.map((p) => p.key))).toEqual(PERMISSION_KEYS);
    expect(groups.slice(0, 6).map((g) => g.resource)).toEqual(['org', 'billing', 'members', 'roles', 'audit', 'tokens']);
    expect(groups.slice(0, 6).every((g) => g.kind === 'core')).toBe(true);
    expect(groups.find((g) => g.resource === 'backups')?.permissions.map((p) => p.action)).toEqual(['read', 'create', 'restore']);
    for (const g of groups) expect(g.permissions.every((p) => p.resource === g.resource && p.kind === g.kind)).toBe(true);
  });

  it('wildcards: resource:* matches every action of the resource, * the whole catalog', () => {
    expect(matchPermissions('projects:*')).toEqual(['projects:read', 'projects:create', 'projects:update', 'projects:delete', 'projects:assign']);
    expect(matchPermissions(ALL_PERMISSIONS)).toEqual(PERMISSION_KEYS);
    expect(matchPermissions('nothing:*')).toEqual([]);
    expect(matchPermissions('org:own')).toEqual(['org:own']);
    expect(isKnownPermissionPattern('spaces:*')).toBe(true);
    expect(isKnownPermissionPattern('nothing:*')).toBe(false);
    expect(isKnownPermissionPattern('projects:fly')).toBe(false);
  });
});
