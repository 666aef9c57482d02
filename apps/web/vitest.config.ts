import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { lingui } from '@lingui/vite-plugin';
import { notificationsAlias } from './scripts/notifications-alias.ts';

export default defineConfig({
  resolve: { alias: notificationsAlias },
  plugins: [react(), lingui({ configPath: `${import.meta.dirname}/lingui.config.ts`, macroTransform: { macro: { descriptorFields: 'message' } } })],
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./src/test/setup.ts'],
    css: false,
  },
});
