// End-to-end test of the web lab in real headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core). It builds the app, serves
// web/dist on localhost, trains a small model on the synthetic set (on WebGPU
// through SwiftShader, forced by ?backend=webgpu), checks that the loss curve
// has points and falls, runs an attack, checks that the delta spectrum heat
// map has non-blank pixels, opens the Dynamics view (adversarial against the
// random-direction baseline) and saves screenshots under out/web-e2e/. It then
// repeats the flow with WebGPU disabled, where the app must fall back to WASM.
// Left to choose, the app must pass over the software adapter for WASM.
// Setup on a fresh machine: bash scripts/web-e2e-setup.sh.
// Without Chromium it skips locally and FAILS when env CI is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { CHROMIUM, CHROMIUM_FLAGS, WEBGPU_OFF, WEBGPU_ON, fillForm, serveStatic } from '../web/serve.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'out', 'web-e2e');

const missing: string[] = [];
if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
if (!existsSync(join(ROOT, 'node_modules', 'playwright-core', 'package.json'))) missing.push('npm playwright-core');
const why = `web e2e: missing ${missing.join(' and ')}; run bash scripts/web-e2e-setup.sh`;
if (missing.length && process.env.CI) throw new Error(`${why} (CI is set, so this is a failure, not a skip)`);
if (missing.length) console.warn(`SKIPPED ${why}`);

interface Lab {
  backend: string;
  init: { hasGpuAdapter: boolean; tried: { name: string; error?: string }[] } | null;
  loss: number[];
  trainDone: { reason: string; error?: string; steps: number } | null;
  attack: { n: number; success: number; correct: number; nonBlank: number; meanLinf: number; meanL2: number } | null;
  errors: string[];
  memory: { tensors: number; buffers: number; bytes: number } | null;
  control?: { atPause: number; afterWait: number; afterResume: number; reason: string; steps: number };
  reloaded?: {
    before: Lab['attack'];
    after: Lab['attack'];
    status: string;
    memLoaded: Lab['memory'];
    memAfter: Lab['memory'];
  };
  dynamics: {
    step: number;
    legend: string[];
    adversarial: Obs;
    random: Obs;
    bars: { relu: (number | null)[][]; rough: (number | null)[][] };
  } | null;
}
interface Obs {
  reluChange: number[];
  roughness: number[];
}

describe.skipIf(missing.length > 0)('web lab in headless Chromium', () => {
  let server: Server,
    url = '';
  let chromium: any;
  const profiles: string[] = [];

  beforeAll(async () => {
    const dist = join(ROOT, 'web', 'dist');
    if (!process.env.IFRLAB_WEB_PREBUILT || !existsSync(join(dist, 'index.html'))) {
      const { build } = await import('vite');
      await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    ({ server, url } = await serveStatic(dist));
    ({ chromium } = await import('playwright-core'));
    mkdirSync(OUT, { recursive: true });
  }, 240_000);
  afterAll(() => {
    server?.close();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  /** Opens the lab (URL query `query`) and waits for the worker to pick a backend. */
  async function open(extraFlags: string[], query = ''): Promise<{ browser: any; page: any; logs: string[] }> {
    const profile = mkdtempSync(join(tmpdir(), 'ifrlab-chromium-'));
    profiles.push(profile);
    // a fresh --user-data-dir per run (playwright passes the profile directory as that flag)
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...extraFlags],
      viewport: { width: 1280, height: 1000 },
    });
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m: { type(): string; text(): string }) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e: Error) => logs.push(`pageerror: ${e.message}`));
    await page.goto(url + query);
    await page.waitForFunction(() => (window as unknown as { __ifrlab: Lab }).__ifrlab?.backend !== '', null, {
      timeout: 30_000,
    });
    return { browser, page, logs };
  }

  async function flow(label: string, extraFlags: string[], roundTrip = false, query = ''): Promise<Lab> {
    const { browser, page, logs } = await open(extraFlags, query);
    try {
      // a small model, a few steps, on a small synthetic set (64 training + 16 held-out images, so the loss falls clearly)
      await fillForm(page, {
        '#data-n': 80,
        '#model-spec': 'fc-w32-d1-relu',
        '#lr': 0.02,
        '#batch': 32,
        '#steps': 25,
        '#ckpt-every': 5,
      });
      await page.click('#train-start');
      await page.waitForFunction(() => (window as unknown as { __ifrlab: Lab }).__ifrlab.trainDone !== null, null, {
        timeout: 90_000,
      });
      await page.screenshot({ path: join(OUT, `${label}-train.png`) });
      await page.click('#tab-attack');
      await page.fill('#attack-batch', '8');
      await page.fill('#attack-steps', '5');
      await page.click('#attack-run');
      await page.waitForFunction(
        () => {
          const l = (window as unknown as { __ifrlab: Lab }).__ifrlab;
          return l.attack !== null || l.errors.length > 0;
        },
        null,
        { timeout: 60_000 },
      );
      await page.screenshot({ path: join(OUT, `${label}-attack.png`), fullPage: true });
      const read = (): Promise<Lab> =>
        page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __ifrlab: Lab }).__ifrlab)));
      // the Dynamics view at the last checkpoint: adversarial and random-baseline path observables
      await page.click('#tab-dynamics');
      await page.waitForFunction(
        () => {
          const l = (window as unknown as { __ifrlab: Lab }).__ifrlab;
          return l.dynamics !== null || l.errors.length > 0;
        },
        null,
        { timeout: 60_000 },
      );
      await page.screenshot({ path: join(OUT, `${label}-dynamics.png`), fullPage: true });
      await page.click('#tab-attack');
      let reloaded: Lab['reloaded'];
      if (roundTrip) {
        // save the checkpoint as a safetensors download, load it back, attack again: same numbers
        const before = (await read()).attack;
        await page.click('#tab-train');
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#ckpt-save')]);
        const file = join(OUT, `${label}-${dl.suggestedFilename()}`);
        await dl.saveAs(file);
        await page.setInputFiles('#ckpt-load', file);
        await page.waitForFunction(
          () => /^(loaded|load checkpoint)/.test(document.getElementById('train-status')!.textContent ?? ''),
          null,
          { timeout: 30_000 },
        );
        const status = (await page.textContent('#train-status')) ?? '';
        const memLoaded = (await read()).memory;
        await page.click('#tab-attack');
        await page.evaluate(() => {
          (window as unknown as { __ifrlab: Lab }).__ifrlab.attack = null;
        });
        await page.click('#attack-run');
        await page.waitForFunction(
          () => {
            const l = (window as unknown as { __ifrlab: Lab }).__ifrlab;
            return l.attack !== null || l.errors.length > 0;
          },
          null,
          { timeout: 60_000 },
        );
        const { attack: after, memory: memAfter } = await read();
        reloaded = { before, after, status, memLoaded, memAfter };
      }
      const base = await read();
      let control: Lab['control'];
      if (roundTrip) {
        // pause stops the step events, resume continues, stop ends the run early
        type W = { __ifrlab: Lab };
        await page.click('#tab-train');
        await fillForm(page, { '#steps': 100000, '#ckpt-every': 1000 });
        await page.evaluate(() => {
          (window as unknown as W).__ifrlab.trainDone = null;
        });
        await page.click('#train-start');
        await page.waitForFunction(() => (window as unknown as W).__ifrlab.loss.length >= 5, null, { timeout: 60_000 });
        await page.click('#train-pause');
        await page.waitForFunction(() => document.getElementById('train-pause')!.textContent === 'Resume', null, {
          timeout: 10_000,
        });
        const atPause = (await read()).loss.length;
        await page.waitForTimeout(1500);
        const afterWait = (await read()).loss.length;
        await page.click('#train-pause');
        await page.waitForFunction((n) => (window as unknown as W).__ifrlab.loss.length >= n + 5, afterWait, {
          timeout: 60_000,
        });
        const afterResume = (await read()).loss.length;
        await page.click('#train-stop');
        await page.waitForFunction(() => (window as unknown as W).__ifrlab.trainDone !== null, null, {
          timeout: 30_000,
        });
        const done = (await read()).trainDone!;
        control = { atPause, afterWait, afterResume, reason: done.reason, steps: done.steps };
      }
      const lab: Lab = { ...base, errors: (await read()).errors, reloaded, control };
      if (lab.errors.length) console.error(`[${label}] page errors:\n${lab.errors.join('\n')}\n${logs.join('\n')}`);
      return lab;
    } finally {
      await browser.close();
    }
  }

  function checkFlow(lab: Lab): void {
    expect(lab.errors).toEqual([]);
    expect(lab.trainDone?.reason).toBe('finished');
    expect(lab.loss.length).toBe(25);
    expect(lab.loss.every(Number.isFinite)).toBe(true);
    const head = lab.loss.slice(0, 5).reduce((a, b) => a + b) / 5,
      tail = lab.loss.slice(-5).reduce((a, b) => a + b) / 5;
    expect(tail).toBeLessThan(head);
    expect(lab.attack).not.toBeNull();
    expect(lab.attack!.n).toBe(8);
    // the 32x32 delta spectrum must be drawn: most pixels differ from the most common colour
    expect(lab.attack!.nonBlank).toBeGreaterThan(512);
    checkDynamics(lab);
  }

  /** The Dynamics view plots the random-direction baseline beside the adversarial direction, and they differ. */
  function checkDynamics(lab: Lab): void {
    const d = lab.dynamics!;
    expect(d).not.toBeNull();
    expect(d.step).toBe(25);
    expect(d.legend).toEqual(['adversarial δ', 'random, same ‖·‖₂']);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    for (const o of [d.adversarial, d.random]) {
      expect(o.roughness.length).toBe(16);
      expect(o.reluChange.length).toBe(16);
      expect([...o.roughness, ...o.reluChange].every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    }
    expect(d.random.reluChange.every((v) => v <= 1)).toBe(true);
    // the two series are distinct measurements, not one plotted twice
    expect(Math.abs(mean(d.adversarial.roughness) - mean(d.random.roughness))).toBeGreaterThan(
      1e-6 * mean(d.adversarial.roughness),
    );
    // each chart holds both series on shared bins, each counting all 16 images
    for (const bars of [d.bars.relu, d.bars.rough]) {
      expect(bars.length).toBe(2);
      for (const b of bars) expect(b.reduce((a: number, v) => a + (v ?? 0), 0)).toBe(16);
    }
    expect(d.bars.rough[0]).not.toEqual(d.bars.rough[1]);
  }

  it('auto mode passes over the software WebGPU adapter for WASM', async () => {
    const { browser, page } = await open(WEBGPU_ON);
    try {
      const lab: Lab = await page.evaluate(() =>
        JSON.parse(JSON.stringify((window as unknown as { __ifrlab: Lab }).__ifrlab)),
      );
      console.log(`[auto] backend=${lab.backend} tried=${JSON.stringify(lab.init?.tried)}`);
      expect(lab.init?.hasGpuAdapter).toBe(true);
      expect(lab.backend).toBe('wasm');
      expect(lab.init?.tried.find((t) => t.name === 'webgpu')?.error).toMatch(/software adapter/);
      expect(await page.textContent('#backend-why')).toMatch(/software adapter/);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('trains and attacks on WebGPU (SwiftShader, forced with ?backend=webgpu)', async () => {
    const lab = await flow('webgpu', WEBGPU_ON, false, '?backend=webgpu');
    console.log(
      `[webgpu run] backend=${lab.backend} tried=${JSON.stringify(lab.init?.tried)} loss ${lab.loss[0]?.toFixed(4)} -> ${lab.loss.at(-1)?.toFixed(4)}`,
    );
    expect(lab.init?.hasGpuAdapter).toBe(true);
    expect(lab.backend).toBe('webgpu');
    checkFlow(lab);
  }, 240_000);

  it('falls back to WASM when WebGPU is unavailable', async () => {
    const lab = await flow('fallback', WEBGPU_OFF, true);
    console.log(
      `[fallback run] backend=${lab.backend} tried=${JSON.stringify(lab.init?.tried)} loss ${lab.loss[0]?.toFixed(4)} -> ${lab.loss.at(-1)?.toFixed(4)}`,
    );
    expect(lab.init?.hasGpuAdapter).toBe(false);
    expect(lab.backend).toBe('wasm');
    checkFlow(lab);
    // the checkpoint round trip through a .safetensors download reproduces the attack exactly
    expect(lab.reloaded?.status).toMatch(/^loaded .*fc-w32-d1-relu/);
    expect(lab.reloaded?.after).toEqual(lab.reloaded?.before);
    // and leaks nothing: after loading, the worker holds exactly the 4 parameter tensors of
    // fc-w32-d1-relu (2 weights, 2 biases; the optimiser state is dropped), and still only those after the attack
    expect(lab.reloaded?.memLoaded?.tensors).toBe(4);
    expect(lab.reloaded?.memLoaded?.bytes).toBe(4 * (32 * 3072 + 32 + 10 * 32 + 10));
    expect(lab.reloaded?.memAfter).toEqual(lab.reloaded?.memLoaded);
    // pause / resume / stop: at most one step finishes after Pause is acknowledged, none while paused
    const c = lab.control!;
    expect(c.afterWait - c.atPause).toBeLessThanOrEqual(1);
    expect(c.afterResume).toBeGreaterThanOrEqual(c.afterWait + 5);
    expect(c.reason).toBe('stopped');
    expect(c.steps).toBeLessThan(100000);
  }, 240_000);
});
