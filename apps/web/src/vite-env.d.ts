declare module "*.module.css" { const classes: Record<string, string>; export default classes; }

declare module '*.po' {
  import type { Messages } from '@lingui/core';
  export const messages: Messages;
}

// The notifications container alone (vite.config.ts: scripts/notifications-alias.ts).
declare module '@mantine/notifications/container' {
  export { Notifications } from '@mantine/notifications';
}
