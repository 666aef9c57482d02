import { defineConfig } from '@lingui/cli';

// Messages are written in English in the source with the Lingui macros (`t`, `<Trans>`, `plural`);
// `pnpm --filter @gatehouse/web i18n:extract` collects them into src/locales/<locale>.po, and the
// Vite plugin compiles a catalog when it is imported (no compile step, no runtime parser).
export default defineConfig({
  sourceLocale: 'en',
  locales: ['en', 'de'],
  fallbackLocales: { default: 'en' },
  catalogs: [{ path: '<rootDir>/src/locales/{locale}', include: ['<rootDir>/src'], exclude: ['**/*.test.*', '**/test/**', '**/graphql/**'] }],
});
