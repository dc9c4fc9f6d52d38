// The examples in examples/, run as a user would: through the package's public
// exports ('ifrlab', 'ifrlab/engine', 'ifrlab/lab', resolved by each runtime from
// package.json), on dist/ (npm test builds first). The README's library example is
// examples/readme.mjs, character for character. The browser example is bundled by
// Vite and run in headless Chromium (skipped, with the reason, when Chromium is absent).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, CHROMIUM_FLAGS, serveStatic } from '../web/serve.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** Run a command in the repository root; its last stdout line is the example's JSON result. */
function runJson(cmd: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const finiteNonNegative = (v: unknown): boolean => Array.isArray(v) && v.every((e) => Number.isFinite(e) && e >= 0);

describe('public API entry points', () => {
  const script = `const [a, e, l] = await Promise.all(['ifrlab', 'ifrlab/engine', 'ifrlab/lab'].map((m) => import(m)));
    console.log(JSON.stringify({ all: Object.keys(a), engine: Object.keys(e), lab: Object.keys(l) }));`;
  const r = runJson(process.execPath, ['--input-type=module', '-e', script]) as Record<
    'all' | 'engine' | 'lab',
    string[]
  >;

  it("'ifrlab' is exactly 'ifrlab/engine' plus 'ifrlab/lab'", () => {
    expect(new Set(r.all)).toEqual(new Set([...r.engine, ...r.lab]));
    expect(r.engine.length).toBeGreaterThan(90);
  });
  it('the lab exposes data sets, models, trainer, checkpoints, every attack, analyses and experiments', () => {
    for (const name of [
      'loadDataset',
      'loadDatasetFromDisk',
      'syntheticDataset',
      'steganography',
      'buildModel',
      'MODEL_FAMILIES',
      'train',
      'trainConfig',
      'memorySink',
      'dirSink',
      'saveCheckpoint',
      'loadCheckpoint',
      'encodeCheckpoint',
      'decodeCheckpoint',
      'pgd',
      'fgsm',
      'fgm',
      'brendelBethge',
      'minimalNormSearch',
      'randomControl',
      'runNamedAttack',
      'saliency',
      'spectra',
      'radialEnergy',
      'angularEnergy',
      'fourierNorms',
      'betaDeltaSpearman',
      'pathObservables',
      'EXPERIMENTS',
      'runExperiment',
      'quickStudyExperiment',
      'table1Experiment',
    ]) {
      expect(r.lab, name).toContain(name);
    }
    // the engine entry point holds no lab name (the split is real)
    expect(r.engine.filter((n) => ['buildModel', 'pgd', 'train', 'loadDataset'].includes(n))).toEqual([]);
  });
});

describe('examples', () => {
  it('README library example = examples/readme.mjs, and it trains, attacks and analyses under Node', () => {
    const code = readFileSync(join(ROOT, 'examples', 'readme.mjs'), 'utf8');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('```js\n' + code + '```');
    const r = runJson(process.execPath, ['examples/readme.mjs']);
    expect(r.accuracy as number).toBeGreaterThan(0.15); // 10 classes: chance is 0.10 (sd 0.02 on 200 test images)
    expect(r.success as number).toBeGreaterThan(0);
    expect(r.maxLinf as number).toBeLessThanOrEqual(8 / 255 + 1e-6); // PGD stays in its ball
    expect(r.energy as number[]).toHaveLength(17); // |k| = 0..16 on 32x32
    expect(finiteNonNegative(r.energy)).toBe(true);
  }, 120_000);

  describe.skipIf(!existsSync(DENO) && !process.env.CI)('Deno', () => {
    const check = (r: Record<string, unknown>): void => {
      expect(r).toMatchObject({ runtime: 'deno', backend: 'wasm', betaShape: [50, 3, 32, 32] });
      expect(r.params).toBe(3 * 32 * 32 * 64 + 64 + 64 * 10 + 10); // fc-w64-d1: hidden weight + bias, readout weight + bias
      expect(r.linf as number).toBeCloseTo(4 / 255, 6); // FGSM moves every pixel by eps (some clipped, never all)
      expect(r.fourierL2 as number).toBeGreaterThan(0);
    };
    it("examples/deno.ts with 'ifrlab' resolved through package.json", () => {
      check(runJson(DENO, ['run', '-A', '--quiet', 'examples/deno.ts']));
    }, 120_000);
    it('the same file with a file: import of dist/ (import map)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ifrlab-deno-'));
      tmp.push(dir);
      const map = join(dir, 'import-map.json');
      const url = (p: string): string => pathToFileURL(join(ROOT, 'dist', 'src', p)).href;
      writeFileSync(map, JSON.stringify({ imports: { ifrlab: url('index.js'), 'ifrlab/lab': url('lab/index.js') } }));
      check(runJson(DENO, ['run', '-A', '--quiet', '--no-config', `--import-map=${map}`, 'examples/deno.ts']));
    }, 120_000);
  });

  it('the browser stand-in covers every export of the Node-only modules', async () => {
    const stub = Object.keys(await import('../dist/src/lab/platform/browser.js'));
    const mapped = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).browser as Record<string, string>;
    expect(Object.keys(mapped).length).toBe(5);
    for (const [file, target] of Object.entries(mapped)) {
      expect(target).toBe('./dist/src/lab/platform/browser.js');
      const names = Object.keys(await import(pathToFileURL(join(ROOT, file)).href));
      expect(
        names.filter((n) => !stub.includes(n)),
        file,
      ).toEqual([]);
    }
  });
});

const missing: string[] = [];
if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
if (!existsSync(join(ROOT, 'node_modules', 'playwright-core', 'package.json'))) missing.push('npm playwright-core');
const why = `browser example: missing ${missing.join(' and ')}; run bash scripts/web-e2e-setup.sh`;
if (missing.length && process.env.CI) throw new Error(`${why} (CI is set, so this is a failure, not a skip)`);
if (missing.length) console.warn(`SKIPPED ${why}`);

describe.skipIf(missing.length > 0)('browser example (Vite bundle, headless Chromium)', () => {
  it('bundles examples/browser from the package exports and runs it in a page', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ifrlab-browser-example-'));
    tmp.push(out);
    const { build } = await import('vite');
    await build({
      root: join(ROOT, 'examples', 'browser'),
      configFile: false,
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true, target: 'es2022' },
    });
    const { server, url } = await serveStatic(out);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { __example?: unknown }).__example, null, {
        timeout: 90_000,
      });
      const r = await page.evaluate(() => (window as unknown as { __example: Record<string, unknown> }).__example);
      expect(r.error).toBeUndefined();
      expect(r.runtime).toBe('browser');
      expect(['webgpu', 'wasm', 'reference']).toContain(r.backend);
      expect(r.maxL2 as number).toBeLessThanOrEqual(0.5 + 1e-5); // PGD L2 stays in its ball
      expect(r.energy as number[]).toHaveLength(17);
      expect(finiteNonNegative(r.energy)).toBe(true);
    } finally {
      await browser.close();
      server.close();
    }
  }, 180_000);
});
