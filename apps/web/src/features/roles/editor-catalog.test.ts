import { describe, expect, it } from 'vitest';
import { editorCatalog } from './RolesPage.tsx';

const catalog = [
  { resource: 'members', kind: 'core', permissions: [
    { key: 'members:read', action: 'read', description: '', usedByPreset: true },
    { key: 'members:invite', action: 'invite', description: '', usedByPreset: true },
  ] },
  { resource: 'deployments', kind: 'platform', permissions: [
    { key: 'deployments:create', action: 'create', description: '', usedByPreset: false },
    { key: 'deployments:delete', action: 'delete', description: '', usedByPreset: false },
  ] },
  { resource: 'spaces', kind: 'platform', permissions: [{ key: 'spaces:start', action: 'start', description: '', usedByPreset: false }] },
];

describe('custom-role editor catalog (issue 11: the active preset only)', () => {
  it('R12 offers the permissions the preset uses and drops groups of other platforms', () => {
    const offered = editorCatalog(catalog, new Set());
    expect(offered.map((g) => g.resource)).toEqual(['members']);
    expect(offered[0]!.permissions.map((p) => p.key)).toEqual(['members:read', 'members:invite']);
  });

  it('R12 keeps a permission the role already holds, even one the preset does not use', () => {
    const offered = editorCatalog(catalog, new Set(['deployments:delete']));
    expect(offered.map((g) => g.resource)).toEqual(['members', 'deployments']);
    expect(offered[1]!.permissions.map((p) => p.key)).toEqual(['deployments:delete']);
  });
});
