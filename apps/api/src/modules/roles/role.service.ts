import type { Preset } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Role } from './role.entity.ts';

/** Creates the preset's built-in roles for a new organization (inside the caller's transaction). */
export function createBuiltinRoles(em: Em, org: Organization, preset: Preset): Role[] {
  return preset.roles.map((def, position) =>
    em.create(Role, {
      id: crypto.randomUUID(),
      organization: org,
      key: def.key,
      name: def.name,
      description: def.description,
      permissions: [...def.permissions],
      builtin: true,
      position,
    }),
  );
}

/**
 * At start, brings every org's built-in roles in line with the active preset: missing ones are added,
 * existing ones take the preset's name, description and permissions. Built-in roles the preset no
 * longer has are removed when nobody holds them; held ones stay, so no member silently loses access.
 */
export async function syncBuiltinRoles(em: Em, preset: Preset): Promise<void> {
  await em.transactional(async (tx) => {
    const orgs = await tx.find(Organization, {});
    const roles = await tx.find(Role, { builtin: true });
    for (const org of orgs) {
      const existing = new Map(roles.filter((r) => r.organization.id === org.id).map((r) => [r.key, r]));
      preset.roles.forEach((def, position) => {
        const role = existing.get(def.key);
        if (!role) {
          tx.create(Role, { id: crypto.randomUUID(), organization: org, key: def.key, name: def.name, description: def.description, permissions: [...def.permissions], builtin: true, position });
        } else {
          Object.assign(role, { name: def.name, description: def.description, permissions: [...def.permissions], position });
        }
      });
    }
    const presetKeys = new Set(preset.roles.map((r) => r.key));
    const stale = roles.filter((r) => !presetKeys.has(r.key)).map((r) => r.id);
    await tx.flush();
    if (stale.length) {
      await tx.execute(
        `delete from role where id in (${stale.map(() => '?').join(',')})
           and not exists (select 1 from membership_role mr where mr.role_id = role.id)`,
        stale,
      );
    }
  });
}

/** The preset's top role (the one holding org:own), given to an organization's creator. */
export function topRoleKey(preset: Preset): string {
  const top = preset.roles.find((r) => r.permissions.includes('org:own') || r.permissions.includes('*'));
  if (!top) throw new Error(`Preset ${preset.key} has no role holding org:own`);
  return top.key;
}
