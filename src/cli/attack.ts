// ifrlab attack --checkpoint FILE --attack NAME [--eps E] [--steps K] [--n N] [--seed S] [--data-dir DIR] --out DIR
// Attacks the first N test images of the checkpoint's data set and writes
// DIR/summary.json and DIR/perturbations.safetensors.
import { parseFlags, helpText, DATA_DIR, BACKEND, SEED, outOption, selectBackend, type FlagSpec } from './args.ts';
import { ATTACK_NAMES, attackNorm, NormalizedClassifier, runBatched, runNamedAttack, summarize, type AttackName, type NamedAttackOptions } from '../lab/attacks/named.ts';
import { randomDirections } from '../lab/attacks/minimal.ts';
import { finishResult, normOf } from '../lab/attacks/common.ts';
import { tensor } from '../engine/ops/creation.ts';
import { gather } from '../lab/data/batches.ts';

const spec = {
  checkpoint: { type: 'string', required: true, help: 'checkpoint (.safetensors with its .json sidecar)' },
  attack: { type: 'string', required: true, help: `attack: ${ATTACK_NAMES.join(', ')}` },
  ...outOption('summary.json, perturbations.safetensors', true),
  eps: { type: 'number', help: 'budget (min-* attacks: the first budget tried); default: the paper preset' },
  steps: { type: 'number', help: 'iterations; default: the paper preset' },
  n: { type: 'number', default: 2000, help: 'attack the first N examples of the split' },
  ...SEED,
  data: { type: 'string', help: "data set (default: the checkpoint's)" },
  ...DATA_DIR,
  split: { type: 'string', default: 'test', help: 'test or train' },
  batch: { type: 'number', default: 100, help: 'examples per attack batch' },
  ...BACKEND,
  'rel-step': { type: 'number', help: 'PGD step relative to eps (overrides the preset absolute step)' },
  'abs-step': { type: 'number', help: 'PGD absolute step' },
  'random-start': { type: 'string', help: 'PGD random start: true or false (default: the preset)' },
  'binary-search': { type: 'string', default: 'true', help: "pgd-l1: the authors' search on eps (true/false)" },
  lr: { type: 'number', help: 'Brendel-Bethge trust-region rate (default 1e-3)' },
  restarts: { type: 'number', default: 1, help: 'Brendel-Bethge restarts from other starting points' },
  init: { type: 'string', default: 'data', help: 'Brendel-Bethge starting points: data or noise' },
  pool: { type: 'number', default: 500, help: 'Brendel-Bethge: candidate starting images (the examples after the attacked ones)' },
  'random-control': { type: 'boolean', default: false, help: "also evaluate Gaussian directions of each perturbation's norm" },
  quiet: { type: 'boolean', default: false, help: 'no progress output' },
} satisfies FlagSpec;

const bool = (v: string | undefined, flag: string): boolean | undefined => {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new Error(`attack: --${flag} must be true or false, got '${v}'`);
};

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags('attack', spec, argv);
  if (f.help) { console.log(helpText('attack', spec)); return; }
  const name = f.attack as AttackName;
  if (!ATTACK_NAMES.includes(name)) throw new Error(`attack: unknown attack '${f.attack}' (known: ${ATTACK_NAMES.join(', ')})`);
  if (f.split !== 'test' && f.split !== 'train') throw new Error(`attack: --split must be test or train, got '${f.split}'`);
  if (!Number.isInteger(f.n) || f.n < 1) throw new Error(`attack: --n must be a positive integer, got ${f.n}`);
  if (!Number.isInteger(f.batch) || f.batch < 1) throw new Error(`attack: --batch must be a positive integer, got ${f.batch}`);
  if (f.init !== 'data' && f.init !== 'noise') throw new Error(`attack: --init must be data or noise, got '${f.init}'`);
  const fs = await import('../lab/platform/fs.ts');
  const { loadDatasetFromDisk } = await import('../lab/platform/data.ts');
  const { loadCheckpoint } = await import('../lab/io/checkpoint.ts');
  const { encodeSafetensors } = await import('../lab/io/safetensors.ts');
  const backend = await selectBackend(f.backend);
  const { model: raw, meta } = await loadCheckpoint(f.checkpoint);
  const norm = meta.normalize as { mean: number[]; std: number[] } | undefined;
  const model = norm ? new NormalizedClassifier(raw, norm.mean, norm.std) : raw;
  const ds = await loadDatasetFromDisk(f.data ?? meta.data, f['data-dir']);
  const shape = ds.shape;
  if (shape.join() !== model.inputShape.join()) throw new Error(`attack: data ${ds.name} has inputs [${shape.join(', ')}] but the model expects [${model.inputShape.join(', ')}]`);
  const split = f.split === 'test' ? ds.test : ds.train;
  const n = Math.min(f.n, split.n);
  const batch = gather(split, shape, [...Array(n).keys()]); // pixel space [0, 1]
  const labels = Array.from(batch.y);
  const err = (s: string): void => { if (!f.quiet) process.stderr.write(s); };
  err(`attack: ${name} on ${meta.spec} (${f.checkpoint}), ${n} ${f.split} images of ${ds.name}, backend ${backend.name}${norm ? ', normalisation inside the model' : ''}\n`);

  const opts: NamedAttackOptions = {
    eps: f.eps, steps: f.steps, relStepsize: f['rel-step'], absStepsize: f['abs-step'], randomStart: bool(f['random-start'], 'random-start'),
    binarySearch: bool(f['binary-search'], 'binary-search'), lr: f.lr, restarts: f.restarts, init: f.init as 'data' | 'noise',
  };
  let poolT = undefined;
  if (name.startsWith('bb-') && opts.init === 'data') {
    const m = Math.min(f.pool, split.n - n);
    if (m > 0) {
      const pb = gather(split, shape, Array.from({ length: m }, (_, i) => n + i));
      poolT = tensor(pb.x, [m, ...shape]);
      opts.startPool = poolT;
    }
  }
  const t0 = performance.now();
  let last = 0;
  const result = await runBatched(model, batch.x, labels, shape, f.batch, (a) => runNamedAttack(name, a, opts), {
    name, seed: f.seed,
    onProgress: (p) => {
      const now = performance.now();
      if (now - last < 1000 && p.done !== p.total) return;
      last = now;
      err(`\r${p.attack} ${p.done}/${p.total} ${p.message ?? ''}   `);
    },
  });
  poolT?.dispose();
  const seconds = (performance.now() - t0) / 1000;
  err('\n');
  const summary: Record<string, unknown> = {
    attack: name, norm: attackNorm(name), options: { ...opts, startPool: undefined }, checkpoint: f.checkpoint, spec: meta.spec,
    data: ds.name, split: f.split, seed: f.seed, backend: backend.name, seconds, ...summarize(result),
  };
  const tensors = new Map([
    ['perturbation', { shape: [n, ...shape], data: result.perturbation }],
    ['labels', { shape: [n], data: Float32Array.from(labels) }],
    ['success', { shape: [n], data: Float32Array.from(result.success) }],
    ['adv_pred', { shape: [n], data: Float32Array.from(result.advPred) }],
  ]);
  if (result.eps) tensors.set('eps', { shape: [n], data: Float32Array.from(result.eps, (v) => (Number.isFinite(v) ? v : -1)) });
  if (f['random-control']) {
    const p = attackNorm(name);
    const d = shape[0] * shape[1] * shape[2];
    const dirs = randomDirections(result.perturbation, n, d, p, f.seed);
    const xr = new Float32Array(n * d);
    for (let j = 0; j < n * d; j++) xr[j] = batch.x[j] + dirs[j];
    // evaluate x + delta_rand unclipped (clipping would change the norm), in batches
    const parts = [];
    for (let s = 0; s < n; s += f.batch) {
      const e = Math.min(n, s + f.batch);
      const xt = tensor(batch.x.subarray(s * d, e * d), [e - s, ...shape]);
      try { parts.push(await finishResult('random-control', { model, x: xt, labels: labels.slice(s, e) }, batch.x.subarray(s * d, e * d), xr.subarray(s * d, e * d))); } finally { xt.dispose(); }
    }
    const { mergeResults } = await import('../lab/attacks/named.ts');
    const rc = mergeResults(parts, 'random-control');
    const matched = normOf(rc.norms, p);
    summary.randomControl = { norm: p, note: 'Gaussian direction per example, rescaled to the adversarial perturbation norm; x + delta not clipped', ...summarize(rc), maxNormMismatch: Math.max(0, ...[...matched].map((v, i) => Math.abs(v - normOf(result.norms, p)[i]))) };
    tensors.set('random_control', { shape: [n, ...shape], data: Float32Array.from(dirs) });
  }
  await fs.makeDir(f.out);
  await fs.writeBytes(fs.joinPath(f.out, 'perturbations.safetensors'), encodeSafetensors(tensors, { attack: name, spec: meta.spec, data: ds.name }));
  await fs.writeBytes(fs.joinPath(f.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const s = summarize(result);
  const nm = attackNorm(name);
  console.log(`${name}: clean accuracy ${(100 * s.cleanAccuracy).toFixed(2)}%, success ${(100 * s.successRate).toFixed(2)}% of ${s.correct} correct, robust accuracy ${(100 * s.robustAccuracy).toFixed(2)}%, median ${nm} ${s.norms[nm].median.toPrecision(4)} (${seconds.toFixed(1)} s) -> ${f.out}`);
}
