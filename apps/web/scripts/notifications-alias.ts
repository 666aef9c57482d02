// Every page shows notifications through `notifications.show` (a small store), but the container
// that draws them (with its transition library) is needed only once the first one appears. The
// package's index bundles both, so pages import the store module alone and the container is loaded
// on demand (App.tsx): about 6 KB less JavaScript on every cold load.
import { createRequire } from 'node:module';
import path from 'node:path';

const esm = path.join(path.dirname(createRequire(import.meta.url).resolve('@mantine/notifications')), '../esm');

export const notificationsAlias = [
  { find: /^@mantine\/notifications$/, replacement: path.join(esm, 'notifications.store.mjs') },
  { find: /^@mantine\/notifications\/container$/, replacement: path.join(esm, 'Notifications.mjs') },
];
