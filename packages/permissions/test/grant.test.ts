// R3 grant ceiling: every actor role × every role of every preset, against explicit tables.
import { describe, expect, it } from 'vitest';
import { checkGrant, effectivePermissions, getPreset, getRole } from '../src/index.ts';

// preset → actor role → roles it may grant or take away. Anything else is refused.
const GRANTABLE: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  gatehouse: {
    owner: ['owner', 'admin', 'manager', 'developer', 'viewer'],
    admin: ['admin', 'manager', 'developer', 'viewer'],
    manager: ['manager', 'developer', 'viewer'],
    developer: ['developer', 'viewer'],
    viewer: ['viewer'],
  },
  reoclo: {
    admin: ['admin', 'manager', 'developer', 'viewer'],
    manager: ['manager', 'developer', 'viewer'],
    developer: ['developer', 'viewer'],
    viewer: ['viewer'],
  },
  oec: {
    owner: ['owner', 'admin', 'developer', 'viewer', 'restricted_developer'],
    admin: ['admin', 'developer', 'viewer', 'restricted_developer'],
    developer: ['developer', 'viewer', 'restricted_developer'],
    viewer: ['viewer'],
    restricted_developer: ['restricted_developer'],
  },
  eloquent: {
    admin: ['admin', 'user'],
    user: ['user'],
  },
  cloudtruth: {
    owner: ['owner', 'admin', 'contributor', 'viewer', 'viewer_no_secrets'],
    admin: ['admin', 'contributor', 'viewer', 'viewer_no_secrets'],
    contributor: ['contributor', 'viewer', 'viewer_no_secrets'],
    viewer: ['viewer', 'viewer_no_secrets'],
    viewer_no_secrets: ['viewer_no_secrets'],
  },
  spaces: {
    admin: ['admin', 'editor', 'operator'],
    editor: ['editor', 'operator'],
    operator: ['operator'],
  },
};

// The role holding org:own in each preset: refusing it is OWNER_ONLY, anything else CEILING.
const TOP_ROLE: Readonly<Record<string, string>> = {
  gatehouse: 'owner', reoclo: 'admin', oec: 'owner', eloquent: 'admin', cloudtruth: 'owner', spaces: 'admin',
};

const cases = Object.entries(GRANTABLE).flatMap(([presetKey, byActor]) => {
  const preset = getPreset(presetKey);
  return preset.roles.flatMap((actor) =>
    preset.roles.map((target) => {
      const allowed = byActor[actor.key]?.includes(target.key) ?? false;
      const expected = allowed ? 'OK' : target.key === TOP_ROLE[presetKey] ? 'OWNER_ONLY' : 'CEILING';
      return [presetKey, actor.key, allowed ? 'can' : 'cannot', target.key, expected] as const;
    }),
  );
});

describe('R3 grant ceiling, every actor role × every role', () => {
  it('the table names every role of every preset as an actor', () => {
    for (const [presetKey, byActor] of Object.entries(GRANTABLE)) {
      expect(Object.keys(byActor).sort()).toEqual(getPreset(presetKey).roles.map((r) => r.key).sort());
    }
  });

  it.each(cases)('R3 %s %s %s grant %s (%s)', (presetKey, actorKey, _verb, targetKey, expected) => {
    const preset = getPreset(presetKey);
    const actorPerms = effectivePermissions([getRole(preset, actorKey)!]);
    const result = checkGrant(actorPerms, getRole(preset, targetKey)!);
    if (expected === 'OK') expect(result).toEqual({ ok: true });
    else {
      expect(result).toMatchObject({ ok: false, reason: expected });
      if (!result.ok) expect(result.missing.length).toBeGreaterThan(0);
    }
  });
});

describe('R3 grant ceiling, details', () => {
  const ct = getPreset('cloudtruth');
  const perms = (key: string) => effectivePermissions([getRole(ct, key)!]);

  it('R3 cloudtruth admin cannot grant owner: OWNER_ONLY, missing org:own and the account permissions', () => {
    expect(checkGrant(perms('admin'), getRole(ct, 'owner')!)).toEqual({
      ok: false,
      reason: 'OWNER_ONLY',
      missing: ['org:own', 'org:update', 'org:delete', 'billing:manage'],
    });
  });

  it('R3 cloudtruth viewer without secrets cannot grant viewer: missing secrets:read', () => {
    expect(checkGrant(perms('viewer_no_secrets'), getRole(ct, 'viewer')!)).toEqual({ ok: false, reason: 'CEILING', missing: ['secrets:read'] });
  });

  it('R3 a custom role with wildcards is checked after expansion', () => {
    const admin = effectivePermissions([getRole(getPreset('oec'), 'admin')!]);
    expect(checkGrant(admin, { permissions: ['servers:*', 'backups:*'] })).toEqual({ ok: true });
    expect(checkGrant(admin, { permissions: ['billing:*'] })).toEqual({ ok: false, reason: 'CEILING', missing: ['billing:manage'] });
  });

  it('R3 a role holding org:own needs an org:own holder even when everything else is covered', () => {
    expect(checkGrant(new Set(['members:update']), { permissions: ['org:own'] })).toEqual({ ok: false, reason: 'OWNER_ONLY', missing: ['org:own'] });
  });

  it('R3 an empty role can be granted by anyone', () => {
    expect(checkGrant(new Set(), { permissions: [] })).toEqual({ ok: true });
  });
});
