import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql ships an ESM and a CJS build; pin the one Node itself loads (for Pothos and Yoga) so the
// schema sees a single copy.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    name: 'api',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
