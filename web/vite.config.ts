// Vite config for the web lab. `npm run web:dev` serves it; `npm run web:build`
// writes static files to web/dist (git-ignored). The app imports the library
// straight from ../src (TypeScript with explicit .ts extensions).
import { defineConfig, type Plugin, type Connect } from 'vite';
import { fileURLToPath } from 'node:url';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const STUB = '\0ifrlab-platform-stub';
export const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * src/lab/platform/* is the Node/Deno file-system layer; library modules import it
 * lazily (`await import('../platform/fs.ts')`) only for path-based
 * save/load. In the browser those imports resolve to a stub that throws a
 * clear error, so the bundle never pulls in node:fs.
 */
function platformStub(): Plugin {
  return {
    name: 'ifrlab-platform-stub',
    enforce: 'pre',
    resolveId(source, importer) {
      // progress.ts is plain text formatting, the one platform module a browser can run
      if (/\/progress\.ts$/.test(source)) return null;
      if (importer && /(^|\/)platform(\/[^/]+|-node)\.ts$/.test(source) && /\/src\//.test(importer)) return STUB;
      return null;
    },
    load(id) {
      if (id !== STUB) return null;
      return `const fail = (name) => () => { throw new Error('src/lab/platform/' + name + ' (files on disk) is not available in the browser; use the byte-level functions'); };
export default new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? fail(k) : undefined) });`;
    },
  };
}

/**
 * Serve the data directory ($IFRLAB_DATA, else ./data, as the CLI)
 * read-only at /data/, so the Train view's "served at a URL" source can load
 * e.g. /data/cifar-10-batches-bin/data_batch_1.bin or /data/mnist/train-images-idx3-ubyte.gz.
 */
function dataDir(): Plugin {
  const dir = resolve(process.env.IFRLAB_DATA || 'data');
  const mw: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/data/')) return next();
    const f = join(dir, normalize(decodeURIComponent(url.pathname.slice(6))).replace(/^(\.\.[/\\])+/, ''));
    if (!f.startsWith(dir) || !existsSync(f) || !statSync(f).isFile()) {
      res.statusCode = 404;
      res.end(`not found in ${dir}`);
      return;
    }
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    createReadStream(f).pipe(res);
  };
  return {
    name: 'ifrlab-data-dir',
    configureServer: (s) => {
      s.middlewares.use(mw);
    },
    configurePreviewServer: (s) => {
      s.middlewares.use(mw);
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [platformStub(), dataDir()],
  // cross-origin isolation, so the WASM backend may use SharedArrayBuffer threads
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] }, headers: ISOLATION },
  preview: { headers: ISOLATION },
  worker: { format: 'es', plugins: () => [platformStub()] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
});
