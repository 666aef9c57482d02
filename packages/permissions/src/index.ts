// @gatehouse/permissions: catalog, presets and pure permission rules, shared by api and web.
export * from './catalog.ts';
export * from './defaults.ts';
export * from './presets.ts';
export * from './rules.ts';
export * from './text.ts';
export * from './credentials.ts';
export * from './resource-rules.ts';
export * from './member-controls.ts';
export * from './audit-actions.ts';
