import { describe, expect, it } from 'vitest';
import { PRESETS, checkGrant, defaultMemberRole, effectivePermissions, getPreset, type AssignableRole } from '../src/index.ts';

const builtins = (presetKey: string): AssignableRole[] => getPreset(presetKey).roles.map((r) => ({ ...r, builtin: true }));
const auditor: AssignableRole = { key: 'custom_auditor', permissions: ['audit:read'], builtin: false };
const tiny: AssignableRole = { key: 'team_role_1', permissions: [], builtin: false };

describe('defaultMemberRole: the preselected role of a new member (R7, R8)', () => {
  it.each(PRESETS.map((p) => [p.key, p.defaultRoleKey]))('preset %s preselects its default role %s', (presetKey, defaultKey) => {
    expect(defaultMemberRole([...builtins(presetKey), auditor, tiny], defaultKey)?.key).toBe(defaultKey);
  });

  it('never preselects a custom role, even one with fewer permissions than every built-in role', () => {
    const roles = [tiny, auditor, ...builtins('gatehouse')];
    expect(defaultMemberRole(roles, 'viewer')?.builtin).toBe(true);
    expect(defaultMemberRole([tiny, auditor], 'viewer')).toBeUndefined();
  });

  it('R3: when the actor may not give the default, the least privileged built-in role they may give', () => {
    const roles = [...builtins('gatehouse'), tiny];
    const picked = defaultMemberRole(roles, 'viewer', (r) => r.key !== 'viewer' && r.key !== 'developer');
    const candidates = roles.filter((r) => r.builtin && r.key !== 'viewer' && r.key !== 'developer');
    const smallest = Math.min(...candidates.map((r) => effectivePermissions([r]).size));
    expect(picked?.builtin).toBe(true);
    expect(effectivePermissions([picked!]).size).toBe(smallest);
  });

  it('R3: a manager-level actor gets a default within their ceiling', () => {
    const actor = effectivePermissions(builtins('gatehouse').filter((r) => r.key === 'manager'));
    const picked = defaultMemberRole(builtins('gatehouse'), 'no-such-key', (r) => checkGrant(actor, r).ok);
    expect(picked && checkGrant(actor, picked).ok).toBe(true);
  });

  it('answers undefined when the actor may give no role at all', () => {
    expect(defaultMemberRole(builtins('gatehouse'), 'viewer', () => false)).toBeUndefined();
  });
});
