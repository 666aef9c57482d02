import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { lingui } from '@lingui/vite-plugin';
import { precompress } from './scripts/vite-precompress.ts';
import { notificationsAlias } from './scripts/notifications-alias.ts';
import { cacheSchema } from './scripts/cache-schema.ts';

const UI_BASE = new RegExp(
  String.raw`node_modules[\\/](@floating-ui|@mantine[\\/]hooks|@mantine[\\/]core[\\/]esm[\\/](core|utils|components[\\/](` +
    'AccordionChevron|ActionIcon|Alert|Anchor|Badge|Box|Button|Center|Checkbox|CloseButton|Collapse|Combobox|Divider|FocusTrap|Group|Input|InputBase|Loader|Menu|Paper|Popover|Portal|ScrollArea|Skeleton|Stack|Table|Text|TextInput|Title|Transition|UnstyledButton' +
    String.raw`)[\\/]))`,
);

const api = process.env.GATEHOUSE_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  resolve: { alias: notificationsAlias },
  // lingui: the `t`/`<Trans>` macros compiled natively, keeping the English message in the code
  // (src/i18n/locale.ts: English needs no catalog); `.po` catalogs compiled when imported.
  plugins: [react(), lingui({ configPath: `${import.meta.dirname}/lingui.config.ts`, macroTransform: { macro: { descriptorFields: 'message' } }, failOnCompileError: true }), cacheSchema(), precompress()],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, changeOrigin: false },
      '/audit': { target: api, changeOrigin: false },
      '/.well-known': { target: api, changeOrigin: false },
    },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      output: {
        // The Mantine pieces every signed-in page needs (shell, tables, menus, inputs) as one chunk:
        // one compressed stream instead of some forty small ones is smaller to transfer.
        advancedChunks: {
          groups: [{ name: 'ui-base', test: UI_BASE }],
        },
      },
    },
  },
});
