// Vite build of the web app: dist/ holds index.html, the public files
// (manifest, service worker, icons) and hashed bundles under assets/.
// `npm run dev` proxies /api to a running `almanac serve`
// (ALMANAC_URL, default http://127.0.0.1:8080).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 450,
  },
  server: {
    proxy: {
      '/api': process.env.ALMANAC_URL || 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['test/**/*.test.js'],
    testTimeout: 30000,
    hookTimeout: 30000,
  },
});
