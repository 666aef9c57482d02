import { describe, expect, it } from 'vitest';
import { checkResourceGrantChange, checkRoleChange, effectivePermissions, findResourceType, getPreset, selfRoleChangeVerdict } from '../src/index.ts';

/** R4: one rule for changing one's own roles, on organization roles and resource roles alike. */
describe('selfRoleChangeVerdict (R4)', () => {
  const cases: [string, Parameters<typeof selfRoleChangeVerdict>[0], string, string | null][] = [
    ['someone else', { actorUserId: 'a', targetUserId: 'b', actorMayManage: false }, 'NOT_SELF', null],
    ['self without manage permission (a developer)', { actorUserId: 'a', targetUserId: 'a', actorMayManage: false }, 'REFUSED', 'NOT_ALLOWED'],
    ['self with manage permission (an admin)', { actorUserId: 'a', targetUserId: 'a', actorMayManage: true }, 'REFUSED', 'NO_SELF_ROLE_CHANGE'],
    ['an owner lowering where the preset allows it', { actorUserId: 'a', targetUserId: 'a', actorMayManage: true, ownerSelfDowngrade: true, ownerMayLower: true }, 'ALLOWED', null],
    ['an owner raising where owners may only lower', { actorUserId: 'a', targetUserId: 'a', actorMayManage: true, ownerMayLower: true }, 'REFUSED', 'OWNER_MAY_ONLY_LOWER'],
  ];
  for (const [name, input, outcome, reason] of cases) {
    it(`R4 ${name}: ${outcome}${reason ? ` (${reason})` : ''}`, () => {
      const verdict = selfRoleChangeVerdict(input);
      expect(verdict.outcome).toBe(outcome);
      expect(verdict.outcome === 'REFUSED' ? verdict.reason : null).toBe(reason);
      if (verdict.outcome === 'REFUSED') expect(verdict.message.length).toBeGreaterThan(10);
    });
  }

  it('R4 organization roles and resource roles answer alike: no manage permission is NOT_ALLOWED, manage permission is SELF_ROLE_CHANGE', () => {
    const oec = getPreset('oec');
    const role = (key: string) => oec.roles.find((r) => r.key === key)!;
    const perms = (key: string) => effectivePermissions([role(key)]);
    const org = (actor: string) => checkRoleChange({ actorUserId: 'me', targetUserId: 'me', actorPerms: perms(actor), currentRoles: [role(actor)], nextRoles: [role('viewer')], policy: oec.policy });
    expect(org('developer').find((p) => p.code === 'SELF_ROLE_CHANGE')).toMatchObject({ reason: 'NOT_ALLOWED' });
    expect(org('admin').find((p) => p.code === 'SELF_ROLE_CHANGE')).toMatchObject({ reason: 'NO_SELF_ROLE_CHANGE' });

    const def = findResourceType(oec, 'project')!;
    const onProject = (actorPerms: ReadonlySet<string>) =>
      checkResourceGrantChange({ def, actorUserId: 'me', targetUserId: 'me', actorOrgPerms: actorPerms, actorPermsOnResource: actorPerms, targetOrgRoleKeys: ['developer'], currentRoleKey: 'project_developer', nextRoleKey: 'project_admin' });
    expect(onProject(perms('developer')).map((p) => p.code)).toEqual(['NOT_ALLOWED']);
    expect(onProject(perms('admin'))[0]).toMatchObject({ code: 'SELF_ROLE_CHANGE', reason: 'NO_SELF_ROLE_CHANGE' });
  });
});
