// Names of the presets' built-in roles and resource types in the active language. The API sends the
// preset's English name; a role or type is translated only while that name is the one the preset
// ships (a custom role, or a built-in one a preset names differently, keeps the name it was given).
import { i18n, type MessageDescriptor } from '@lingui/core';
import { msg } from '@lingui/core/macro';

/** Built-in role names of every preset in packages/permissions (org roles and resource roles). */
const ROLE_NAMES: Readonly<Record<string, MessageDescriptor>> = {
  Owner: msg`Owner`,
  Admin: msg`Admin`,
  admin: msg`admin`,
  user: msg`user`,
  Manager: msg`Manager`,
  Developer: msg`Developer`,
  'Developer (assigned projects only)': msg`Developer (assigned projects only)`,
  Contributor: msg`Contributor`,
  Editor: msg`Editor`,
  Operator: msg`Operator`,
  Viewer: msg`Viewer`,
  'Viewer (no secrets)': msg`Viewer (no secrets)`,
  'Project Admin': msg`Project Admin`,
  'Project Developer': msg`Project Developer`,
  'Space owner': msg`Space owner`,
  'Space editor': msg`Space editor`,
  'Space operator': msg`Space operator`,
};

/** Resource type names: as a heading ("Project") and inside a sentence ("Create project"), by the preset's name. */
const TYPE_NAMES: Readonly<Record<string, readonly [MessageDescriptor, MessageDescriptor]>> = {
  Project: [msg`Project`, msg`project`],
  Space: [msg`Space`, msg`space`],
  Projects: [msg`Projects`, msg`projects`],
  Spaces: [msg`Spaces`, msg`spaces`],
};

/**
 * A role's name to show: translated for a built-in role, the API's name for a custom role. Org roles
 * say `builtin`; where a selection has no `builtin` (resource roles, invitation previews, the
 * viewer's memberships) the key tells: the API keys custom roles `custom-<id>` (role.service.ts).
 */
export function roleLabel(role: { key: string; name: string; builtin?: boolean }): string {
  const builtin = role.builtin ?? !role.key.startsWith('custom-');
  const known = builtin ? ROLE_NAMES[role.name] : undefined;
  return known ? i18n._(known) : role.name;
}

/** A resource type's name (`name`, or `pluralName` for several) as a heading or label: "Project", "Projects". */
export function resourceTypeLabel(name: string): string {
  const known = TYPE_NAMES[name];
  return known ? i18n._(known[0]) : name;
}

/** The same inside a sentence: "project" (German keeps the capital: "Projekt"). */
export function resourceTypeNoun(name: string): string {
  const known = TYPE_NAMES[name];
  return known ? i18n._(known[1]) : name.toLowerCase();
}
