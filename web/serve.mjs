// A tiny static server for the built web lab (web/dist), cross-origin
// isolated like the Vite dev server (so WASM threads can share memory), and
// the Chromium flags that work headlessly on these machines
// (../shared/notes/webgpu-headless.md). Used by tests/web-e2e.test.ts and
// web/tour.mjs.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';

export const CHROMIUM = process.env.IFRLAB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const WEBGPU_ON = ['--enable-unsafe-webgpu'];
export const WEBGPU_OFF = ['--disable-webgpu', '--disable-features=WebGPU'];

const MIME = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serve `dir` (and optionally extra folders under URL prefixes) on 127.0.0.1 at a free port. */
export function serveStatic(dir, mounts = {}) {
  const roots = { '/': resolve(dir), ...Object.fromEntries(Object.entries(mounts).map(([k, v]) => [k, resolve(v)])) };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const prefix = Object.keys(roots)
      .filter((p) => path.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    const root = roots[prefix];
    let f = join(root, path.slice(prefix.length));
    if (existsSync(f) && statSync(f).isDirectory()) f = join(f, 'index.html');
    if (!f.startsWith(root) || !existsSync(f)) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(f)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    res.end(readFileSync(f));
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${server.address().port}/` })),
  );
}

/** Fill the Train form: { '#data-n': '80', '#model-spec': 'fc-w32-d1-relu', ... } (a Playwright page). */
export async function fillForm(page, fields) {
  for (const [sel, v] of Object.entries(fields)) await page.fill(sel, String(v));
}
