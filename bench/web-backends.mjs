// Training speed of the web lab per backend, side by side in one run, in
// headless Chromium: the same model, data and steps on WebGPU (SwiftShader on
// a GPU-less machine), WASM and the reference backend. Reports steps per
// second and ratios to WASM (absolute timings on a shared machine are noise).
//   npm run web:build && node bench/web-backends.mjs [spec] [steps]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS, WEBGPU_ON, fillForm, serveStatic } from '../web/serve.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const spec = process.argv[2] ?? 'fc-w64-d1-relu';
const steps = Number(process.argv[3] ?? 40);
const { chromium } = await import('playwright-core');
const { server, url } = await serveStatic(join(ROOT, 'web', 'dist'));
const profile = mkdtempSync(join(tmpdir(), 'ifrlab-bench-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [...CHROMIUM_FLAGS, ...WEBGPU_ON],
});
const rows = [];
try {
  for (const backend of ['wasm', 'webgpu', 'reference']) {
    const page = await ctx.newPage();
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => window.__ifrlab?.backend !== '', null, { timeout: 60_000 });
    const got = await page.evaluate(() => window.__ifrlab.backend);
    await page.fill('#data-n', '1000');
    await page.click('#data-load');
    await page.waitForFunction(() => window.__ifrlab.data !== null, null, { timeout: 60_000 });
    await fillForm(page, { '#model-spec': spec, '#batch': 64, '#steps': steps, '#ckpt-every': steps });
    const t0 = Date.now();
    await page.click('#train-start');
    await page.waitForFunction(() => window.__ifrlab.trainDone !== null, null, { timeout: 600_000 });
    const sec = (Date.now() - t0) / 1000;
    const lab = await page.evaluate(() => ({ loss: window.__ifrlab.loss, done: window.__ifrlab.trainDone }));
    rows.push({ backend: got, seconds: sec, stepsPerSecond: steps / sec, lastLoss: lab.loss.at(-1) });
    await page.close();
  }
} finally {
  await ctx.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
const wasm = rows.find((r) => r.backend === 'wasm');
console.log(`web lab training, ${spec}, batch 64, ${steps} steps (includes the held-out evaluations every 10 steps)`);
for (const r of rows)
  console.log(
    `${r.backend.padEnd(10)} ${r.stepsPerSecond.toFixed(2).padStart(7)} steps/s  ${(r.stepsPerSecond / wasm.stepsPerSecond).toFixed(2).padStart(6)} x wasm  last loss ${r.lastLoss.toFixed(4)}`,
  );
