import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Writes `name.br` and `name.gz` beside every text file of the build, compressed once at the
 * highest level; `faktura serve` sends the smallest one the browser accepts (@fastify/static
 * `preCompressed`), so no request pays for compressing. Files under 1 KiB stay as they are.
 */
function precompress(): Plugin {
  return {
    name: 'faktura-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir ?? join(webRoot, 'dist');
      const files = Object.keys(bundle).filter((name) => /\.(js|mjs|css|html|svg|json|txt)$/.test(name));
      await Promise.all(
        files.map(async (name) => {
          const path = join(dir, name);
          const data = await readFile(path);
          if (data.length < 1024) return;
          const [br, gz] = await Promise.all([
            brotli(data, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
            gzipped(data, { level: constants.Z_BEST_COMPRESSION }),
          ]);
          await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gz)]);
        }),
      );
    },
  };
}

/**
 * The web app is built into web/dist, which `faktura serve` serves on the API's port.
 * `npm run dev` serves it with hot reload and proxies /api to the app (FAKTURA_API_URL, default :3000).
 * The browser imports the server's pure domain rules (src/domain) by relative path, so totals are computed exactly as on the server.
 * Pages are split into chunks of their own (lazy routes in App.tsx); the login page loads only the entry chunk.
 */
export default defineConfig({
  root: webRoot,
  plugins: [react(), precompress()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env['FAKTURA_API_URL'] ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
