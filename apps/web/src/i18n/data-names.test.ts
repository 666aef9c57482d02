// Built-in role and resource type names follow the language; custom roles keep their own name.
import { afterEach, describe, expect, it } from 'vitest';
import { PRESETS } from '@gatehouse/permissions';
import { activateLocale } from './locale.ts';
import { resourceTypeLabel, resourceTypeNoun, roleLabel } from './data-names.ts';

afterEach(() => activateLocale('en'));

describe('data names (issue 13 §9)', () => {
  it('shows the preset’s own English names unchanged in English', () => {
    expect(roleLabel({ key: 'owner', name: 'Owner', builtin: true })).toBe('Owner');
    expect(roleLabel({ key: 'admin', name: 'admin', builtin: true })).toBe('admin');
    expect(resourceTypeLabel('Project')).toBe('Project');
    expect(resourceTypeNoun('Project')).toBe('project');
  });

  it('translates built-in roles and resource types in German, nouns keep their capital', async () => {
    await activateLocale('de');
    expect(roleLabel({ key: 'owner', name: 'Owner', builtin: true })).toBe('Inhaber');
    expect(roleLabel({ key: 'viewer', name: 'Viewer', builtin: true })).toBe('Betrachter');
    expect(roleLabel({ key: 'project_admin', name: 'Project Admin' })).toBe('Projektadministrator');
    expect(resourceTypeLabel('Projects')).toBe('Projekte');
    expect(resourceTypeNoun('Project')).toBe('Projekt');
  });

  it('keeps a custom role’s name, even one spelled like a built-in role', async () => {
    await activateLocale('de');
    expect(roleLabel({ key: 'custom-1a2b3c4d', name: 'Admin', builtin: false })).toBe('Admin');
    expect(roleLabel({ key: 'custom-1a2b3c4d', name: 'Owner' })).toBe('Owner');
    expect(roleLabel({ key: 'auditor', name: 'Auditor', builtin: true })).toBe('Auditor');
    expect(resourceTypeNoun('Bucket')).toBe('bucket');
  });

  it('has a German name for every built-in role and resource type of every preset', async () => {
    await activateLocale('de');
    const sameInGerman = new Set(['Manager', 'Operator', 'Space', 'Spaces']);
    const translated = (english: string, german: string) => sameInGerman.has(english) || german !== english;
    for (const preset of PRESETS) {
      for (const role of preset.roles) expect(translated(role.name, roleLabel({ ...role, builtin: true })), `${preset.key}/${role.key}`).toBe(true);
      for (const type of preset.policy.resourceTypes) {
        expect(translated(type.name, resourceTypeLabel(type.name)), type.key).toBe(true);
        expect(translated(type.pluralName, resourceTypeLabel(type.pluralName)), type.key).toBe(true);
        for (const role of type.roles) expect(translated(role.name, roleLabel(role)), `${type.key}/${role.key}`).toBe(true);
      }
    }
  });
});
