import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'permissions', include: ['test/**/*.test.ts'] },
});
