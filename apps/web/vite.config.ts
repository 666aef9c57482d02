import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.GATEHOUSE_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  plugins: [react()],
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
        // Vendor libraries change less often than the app: keep them in their own chunks.
        advancedChunks: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/]/ },
            { name: 'urql', test: /node_modules[\\/](@urql|urql|wonka|@0no-co)[\\/]/ },
          ],
        },
      },
    },
  },
});
