// A scripted tour of every view of the built web lab in headless Chromium,
// saving README screenshots to docs/img/web-*.png. It also exercises what the
// e2e test does not: checkpoint save -> load round trip, the Dynamics slider
// and minimal-norm curve, the gradient-path diagram with the keyboard, and a
// results JSON from `ifrlab experiment`.
//   npm run web:build && node web/tour.mjs [results-dir] [--backend=webgpu|wasm|reference]
// results-dir defaults to out/web-sample-quick (make it with
//   node bin/ifrlab.mjs experiment quick-study --data synthetic:train=1000,test=200 --out out/web-sample-quick).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS, WEBGPU_ON, fillForm, serveStatic } from './serve.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const resultsDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(ROOT, 'out', 'web-sample-quick'));
const backend = args.find((a) => a.startsWith('--backend='))?.slice(10);
const IMG = join(ROOT, 'docs', 'img');
const OUT = join(ROOT, 'out', 'web-tour');
mkdirSync(IMG, { recursive: true });
mkdirSync(OUT, { recursive: true });

const { chromium } = await import('playwright-core');
const { server, url } = await serveStatic(join(ROOT, 'web', 'dist'));
const profile = mkdtempSync(join(tmpdir(), 'ifrlab-tour-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [...CHROMIUM_FLAGS, ...WEBGPU_ON],
  viewport: { width: 1200, height: 860 },
  acceptDownloads: true,
});
const lab = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__ifrlab)));
const waitFor = (page, fn, timeout = 300_000) => page.waitForFunction(fn, null, { timeout, polling: 250 });
const t0 = Date.now();
const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}`);
try {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('pageerror', e.message));
  await page.goto(url + (backend ? `?backend=${backend}` : ''));
  await waitFor(page, () => window.__ifrlab?.backend !== '');
  log(`backend ${(await lab(page)).backend}`);

  // Train
  await fillForm(page, {
    '#data-n': 2000,
    '#model-spec': 'fc-w64-d1-relu',
    '#lr': 0.01,
    '#batch': 64,
    '#steps': 300,
    '#ckpt-every': 30,
  });
  await page.click('#train-start');
  await waitFor(page, () => window.__ifrlab.trainDone !== null);
  let s = await lab(page);
  log(
    `trained: ${s.trainDone.reason}, loss ${s.loss[0].toFixed(4)} -> ${s.loss.at(-1).toFixed(4)}; ${s.trainDone.checkpoints.length} checkpoints`,
  );
  await page.screenshot({ path: join(IMG, 'web-train.png') });

  // checkpoint round trip
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#ckpt-save')]);
  const ck = join(OUT, dl.suggestedFilename());
  await dl.saveAs(ck);
  await page.setInputFiles('#ckpt-load', ck);
  await waitFor(page, () => /loaded|load checkpoint/.test(document.getElementById('train-status').textContent));
  log(`checkpoint: ${await page.textContent('#train-status')}`);

  // Attack
  await page.click('#tab-attack');
  await page.fill('#attack-batch', '16');
  await page.fill('#attack-steps', '10');
  await page.click('#attack-run');
  await waitFor(page, () => window.__ifrlab.attack !== null || window.__ifrlab.errors.length > 0);
  log(`attack: ${await page.textContent('#attack-info')}`);
  await page.screenshot({ path: join(IMG, 'web-attack.png'), fullPage: true });

  // Dynamics: retrain (the loaded checkpoint replaced the run's checkpoints) with fewer steps, then the slider
  await page.click('#tab-train');
  await fillForm(page, { '#steps': 300, '#ckpt-every': 30 });
  await page.evaluate(() => {
    window.__ifrlab.trainDone = null;
  });
  await page.click('#train-start');
  await waitFor(page, () => window.__ifrlab.trainDone !== null);
  await page.click('#tab-dynamics');
  await page.focus('#dyn-slider');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await waitFor(page, () => window.__ifrlab.dynamics !== null);
  await page.click('#dyn-all');
  await waitFor(page, () => window.__ifrlab.minNorm !== null || window.__ifrlab.errors.length > 0);
  log(`dynamics: ${await page.textContent('#dyn-info')}`);
  await page.screenshot({ path: join(IMG, 'web-dynamics.png'), fullPage: true });

  // Gradient paths
  await page.click('#tab-graph');
  await page.click('#graph-run');
  await waitFor(page, () => window.__ifrlab.graphNodes > 0);
  // walk from the loss up to the first matmul with the keyboard
  await page.focus('#graph-view .node:last-of-type');
  for (let i = 0; i < 12; i++) {
    if ((await page.textContent('#graph-detail')).includes('op:     matmul')) break;
    await page.keyboard.press('ArrowUp');
  }
  log(`graph: ${(await lab(page)).graphNodes} nodes; selected:\n${await page.textContent('#graph-detail')}`);
  await page.screenshot({ path: join(IMG, 'web-graph.png') });

  // Results
  await page.click('#tab-results');
  if (existsSync(join(resultsDir, 'result.json'))) {
    const files = readdirSync(resultsDir)
      .filter((f) => f === 'result.json' || f.endsWith('.svg'))
      .map((f) => join(resultsDir, f));
    await page.setInputFiles('#results-file', files);
    await waitFor(page, () => window.__ifrlab.results !== null || window.__ifrlab.errors.length > 0);
    log(`results: ${await page.textContent('#results-info')}`);
    await page.screenshot({ path: join(IMG, 'web-results.png') });
  } else log(`no ${resultsDir}/result.json: skipped the Results view`);
  s = await lab(page);
  if (s.errors.length) {
    console.error('errors:', s.errors);
    process.exitCode = 1;
  }
} finally {
  await ctx.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
