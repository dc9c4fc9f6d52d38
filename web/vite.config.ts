// Vite config for the web lab. `npm run web:dev` serves it; `npm run web:build`
// writes static files to web/dist (git-ignored). The app imports the library
// straight from ../src (TypeScript with explicit .ts extensions).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
});
