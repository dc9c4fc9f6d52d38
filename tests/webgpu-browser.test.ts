// The WebGPU backend in a browser: tests/deno/browser-entry.ts (the shared parity
// cases of tests/deno/parity-cases.ts) is bundled with esbuild, served on
// localhost and run in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core, WebGPU on SwiftShader). It shows that the embedded WGSL and
// the navigator.gpu path work in a browser with the same code as Node and Deno.
// Without Chromium or playwright-core it skips locally and fails when CI is set.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS, WEBGPU_ON } from '../web/serve.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const missing: string[] = [];
if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
if (!existsSync(join(ROOT, 'node_modules', 'playwright-core', 'package.json'))) missing.push('npm playwright-core');
if (missing.length && process.env.CI)
  throw new Error(`webgpu browser test: missing ${missing.join(' and ')} (CI is set, so this fails)`);
if (missing.length) console.warn(`[webgpu browser test skipped] missing ${missing.join(' and ')}`);

interface Outcome {
  adapter: string;
  error: string;
  results: { name: string; ok: boolean; ms: number; error?: string }[];
  done: boolean;
}

describe.skipIf(missing.length > 0)('webgpu backend in headless Chromium', () => {
  it('passes the shared kernel parity cases on navigator.gpu', async () => {
    execFileSync(process.execPath, ['shaders/embed.mjs', '--quiet'], { cwd: ROOT });
    const esbuild = await import('esbuild');
    const bundle = await esbuild.build({
      entryPoints: [join(ROOT, 'tests/deno/browser-entry.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0].text;
    const html =
      '<!doctype html><meta charset="utf-8"><title>webgpu parity</title><script type="module" src="/parity.js"></script>';
    const server = createServer((req, res) => {
      if (req.url === '/parity.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(js);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const profile = mkdtempSync(join(tmpdir(), 'ifrlab-webgpu-'));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...WEBGPU_ON],
    });
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(
        () => (globalThis as unknown as { __webgpuParity?: Outcome }).__webgpuParity?.done === true,
        null,
        { timeout: 100_000 },
      );
      const out = await page.evaluate(() => (globalThis as unknown as { __webgpuParity: Outcome }).__webgpuParity);
      console.log(
        `browser webgpu adapter: ${out.adapter}; ${out.results.map((r) => `${r.name} ${Math.round(r.ms)} ms`).join(', ')}`,
      );
      expect(out.error, `${out.error}\n${logs.join('\n')}`).toBe('');
      expect(out.results.length).toBeGreaterThan(5);
      for (const r of out.results) expect(r.ok, `${r.name}: ${r.error}`).toBe(true);
    } finally {
      await browser.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
