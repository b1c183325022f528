import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web app is built into web/dist, which `faktura serve` serves on the API's port.
 * `npm run dev` serves it with hot reload and proxies /api to the app (FAKTURA_API_URL, default :3000).
 * The browser imports the server's pure domain rules (src/domain) by relative path, so totals are computed exactly as on the server.
 */
export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env['FAKTURA_API_URL'] ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
