// ifrlab attack --checkpoint FILE --attack NAME [--eps E | --eps E1,E2,...] [--steps K] [--n N] [--seed S] [--data-dir DIR] --out DIR
// Attacks the first N test images of the checkpoint's data set and writes
// DIR/summary.json, DIR/perturbations.safetensors, DIR/report.md and its figures
// (examples.png, perturbation-spectrum.svg, success-vs-norm.svg, robust-accuracy.svg
// for a list of eps). ensemble-* adds the gradient-masking sanity checks.
import {
  parseFlags,
  helpText,
  didYouMean,
  DATA_DIR,
  BACKEND,
  SEED,
  outOption,
  selectBackend,
  type FlagSpec,
} from './args.ts';
import { datasetShape } from '../lab/data/registry.ts';
import {
  ATTACKS,
  ATTACK_NAMES,
  ATTACK_ALIASES,
  mergeResults,
  NormalizedClassifier,
  resolveAttack,
  runBatched,
  summarize,
  type NamedAttackOptions,
} from '../lab/attacks/named.ts';
import { randomControl } from '../lab/attacks/minimal.ts';
import { normOf, type AttackResult } from '../lab/attacks/common.ts';
import { evaluateRobustness, formatChecks, parseEpsList, type EnsembleResult } from '../lab/attacks/evaluate.ts';
import { progressReporter } from '../lab/platform/progress.ts';
import { attackReport, type AttackCurvePoint } from '../lab/report/attack.ts';
import { tensor } from '../engine/ops/creation.ts';
import { gather } from '../lab/data/batches.ts';

const spec = {
  checkpoint: { type: 'string', required: true, help: 'checkpoint (.safetensors with its .json sidecar)' },
  attack: { type: 'string', required: true, help: `attack: ${ATTACKS.map((p) => p.name).join(', ')}` },
  ...outOption('summary.json, perturbations.safetensors, report.md, figures', true),
  eps: {
    type: 'string',
    help: 'budget, or a list such as 1/255,2/255,4/255,8/255 (fixed-budget attacks: one robust accuracy per eps); minimal-norm attacks: the first budget tried; default: the preset',
  },
  steps: { type: 'number', int: true, min: 1, help: 'iterations; default: the paper preset' },
  n: { type: 'number', default: 2000, int: true, min: 1, help: 'attack the first N examples of the split' },
  ...SEED,
  data: { type: 'string', help: "data set (default: the checkpoint's)" },
  ...DATA_DIR,
  split: { type: 'string', default: 'test', help: 'test or train' },
  batch: { type: 'number', default: 100, int: true, min: 1, help: 'examples per attack batch' },
  ...BACKEND,
  'rel-step': { type: 'number', gt: 0, help: 'PGD step relative to eps (overrides the preset absolute step)' },
  'abs-step': { type: 'number', gt: 0, help: 'PGD absolute step' },
  'random-start': { type: 'string', help: 'PGD random start: true or false (default: the preset)' },
  'binary-search': { type: 'string', default: 'true', help: "pgd-l1: the authors' search on eps (true/false)" },
  lr: { type: 'number', gt: 0, help: 'Brendel-Bethge trust-region rate (default 1e-3)' },
  restarts: {
    type: 'number',
    default: 1,
    int: true,
    min: 1,
    help: 'Brendel-Bethge restarts from other starting points',
  },
  init: { type: 'string', default: 'data', help: 'Brendel-Bethge starting points: data or noise' },
  pool: {
    type: 'number',
    default: 500,
    int: true,
    min: 0,
    help: 'Brendel-Bethge: candidate starting images (the examples after the attacked ones)',
  },
  'random-control': {
    type: 'boolean',
    default: false,
    help: "also evaluate Gaussian directions of each perturbation's norm",
  },
  'allow-extra': {
    type: 'boolean',
    default: false,
    help: 'accept a checkpoint with tensors the model does not use (ignored)',
  },
  'target-classes': {
    type: 'number',
    int: true,
    min: 1,
    help: 'APGD-T and ensemble: target classes tried (default 9, capped at K - 1)',
  },
  'bb-steps': {
    type: 'number',
    default: 200,
    int: true,
    min: 0,
    help: 'ensemble: Brendel-Bethge iterations (0 skips it)',
  },
  queries: { type: 'number', default: 1000, int: true, min: 1, help: 'ensemble: Square queries' },
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
  if (f.help) {
    console.log(
      `${helpText('attack', spec)}\n\nattacks:\n${ATTACKS.map((p) => `  ${p.name.padEnd(14)} ${p.summary}`).join('\n')}`,
    );
    return;
  }
  if (!ATTACK_NAMES.includes(f.attack) && !(f.attack in ATTACK_ALIASES))
    throw new Error(
      `attack: unknown attack '${f.attack}'${didYouMean(f.attack, ATTACK_NAMES)} (known: ${ATTACK_NAMES.join(', ')})`,
    );
  const { preset, notice } = resolveAttack(f.attack);
  const name = preset.name;
  if (f.split !== 'test' && f.split !== 'train')
    throw new Error(`attack: --split must be test or train, got '${f.split}'`);
  if (!Number.isInteger(f.n) || f.n < 1) throw new Error(`attack: --n must be a positive integer, got ${f.n}`);
  if (!Number.isInteger(f.batch) || f.batch < 1)
    throw new Error(`attack: --batch must be a positive integer, got ${f.batch}`);
  if (f.init !== 'data' && f.init !== 'noise') throw new Error(`attack: --init must be data or noise, got '${f.init}'`);
  const epsList = f.eps === undefined ? undefined : parseEpsList(f.eps);
  if (
    epsList &&
    epsList.length > 1 &&
    preset.kind !== 'fixed' &&
    !(name === 'pgd-l1' && f['binary-search'] === 'false')
  )
    throw new Error(
      `attack: a list of eps needs a fixed-budget attack; ${name} searches the smallest adversarial (give one eps: the first budget tried)`,
    );
  const fs = await import('../lab/platform/fs.ts');
  const { loadDatasetFromDisk } = await import('../lab/platform/data.ts');
  const { loadCheckpoint } = await import('../lab/io/checkpoint.ts');
  const { encodeSafetensors } = await import('../lab/io/safetensors.ts');
  // the output folder first: a finished attack must not be lost to an unwritable --out
  await fs.prepareOutputDir(f.out);
  const backend = await selectBackend(f.backend);
  const { model: raw, meta } = await loadCheckpoint(f.checkpoint, { allowExtra: f['allow-extra'] });
  const known = datasetShape(f.data ?? meta.data);
  if (known.shape.join() !== raw.inputShape.join())
    throw new Error(
      `attack: data ${f.data ?? meta.data} has inputs [${known.shape.join(', ')}] but the model in ${f.checkpoint} expects [${raw.inputShape.join(', ')}]`,
    );
  const norm = meta.normalize as { mean: number[]; std: number[] } | undefined;
  const model = norm ? new NormalizedClassifier(raw, norm.mean, norm.std) : raw;
  const ds = await loadDatasetFromDisk(f.data ?? meta.data, f['data-dir']);
  const shape = ds.shape;
  if (shape.join() !== model.inputShape.join())
    throw new Error(
      `attack: data ${ds.name} has inputs [${shape.join(', ')}] but the model expects [${model.inputShape.join(', ')}]`,
    );
  const split = f.split === 'test' ? ds.test : ds.train;
  const n = Math.min(f.n, split.n);
  if (f.n > split.n)
    process.stderr.write(
      `attack: --n ${f.n} is more than the ${split.n} ${f.split} images of ${ds.name}; attacking all ${split.n}\n`,
    );
  const batch = gather(split, shape, [...Array(n).keys()]); // pixel space [0, 1]
  const labels = Array.from(batch.y);
  const d = batch.x.length / n;
  const err = (s: string): void => {
    if (!f.quiet) process.stderr.write(s);
  };
  if (notice) process.stderr.write(`attack: ${notice}\n`);
  err(
    `attack: ${name} on ${meta.spec} (${f.checkpoint}), ${n} ${f.split} images of ${ds.name}, backend ${backend.name}${norm ? ', normalisation inside the model' : ''}\n`,
  );

  const opts: NamedAttackOptions = {
    steps: f.steps,
    relStepsize: f['rel-step'],
    absStepsize: f['abs-step'],
    randomStart: bool(f['random-start'], 'random-start'),
    binarySearch: bool(f['binary-search'], 'binary-search'),
    lr: f.lr,
    restarts: f.restarts,
    init: f.init as 'data' | 'noise',
    targetClasses: f['target-classes'],
  };
  let poolT = undefined;
  if (name.startsWith('bb-') || name.startsWith('best-')) {
    const m = Math.min(f.pool, split.n - n);
    if (opts.init === 'data' && m > 0) {
      const pb = gather(
        split,
        shape,
        Array.from({ length: m }, (_, i) => n + i),
      );
      poolT = tensor(pb.x, [m, ...shape]);
      opts.startPool = poolT;
    }
  }
  const t0 = performance.now();
  const bar = f.quiet ? undefined : progressReporter(name, { unit: 'steps' });
  let curve: AttackCurvePoint[] | undefined;
  let ensemble: EnsembleResult | undefined;
  let result: AttackResult;
  try {
    if (name.startsWith('ensemble-')) {
      const x = tensor(batch.x, [n, ...shape]);
      try {
        ensemble = await evaluateRobustness(
          { model, x, labels, seed: f.seed },
          {
            norm: preset.norm as 'linf' | 'l2',
            eps: epsList ?? [preset.norm === 'linf' ? 8 / 255 : 0.5],
            steps: f.steps,
            restarts: f.restarts,
            targetClasses: f['target-classes'],
            queries: f.queries,
            bbSteps: f['bb-steps'],
            batchSize: f.batch,
          },
          bar ? (p) => bar.update(p.done, p.total, p.message) : undefined,
        );
      } finally {
        x.dispose();
      }
      result = ensemble.worst;
      curve = ensemble.curve;
    } else {
      const runs: AttackResult[] = [];
      for (const [k, e] of (epsList ?? [undefined]).entries()) {
        const tag = epsList && epsList.length > 1 ? `eps ${e!.toPrecision(3)} (${k + 1}/${epsList.length}); ` : '';
        runs.push(
          await runBatched(model, batch.x, labels, shape, f.batch, (a) => preset.run(a, { ...opts, eps: e }), {
            name,
            seed: f.seed,
            onProgress: bar
              ? (p) => bar.update(k * p.total + p.done, (epsList?.length ?? 1) * p.total, tag + (p.message ?? ''))
              : undefined,
          }),
        );
      }
      result = runs[runs.length - 1];
      if (epsList && epsList.length > 1)
        curve = runs.map((r, k) => ({
          eps: epsList[k],
          robustAccuracy: r.stats.robustAccuracy,
          successRate: r.stats.successRate,
        }));
    }
  } finally {
    bar?.finish();
    poolT?.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const s = summarize(result);
  const summary: Record<string, unknown> = {
    format: 'ifrlab-attack',
    attack: name,
    norm: preset.norm,
    eps: epsList,
    options: { ...opts, startPool: undefined },
    checkpoint: f.checkpoint,
    spec: meta.spec,
    data: ds.name,
    split: f.split,
    seed: f.seed,
    backend: backend.name,
    seconds,
    finishedAt: new Date().toISOString(),
    ...s,
  };
  if (curve) summary.curve = curve;
  if (ensemble) {
    summary.checks = ensemble.checks;
    summary.minNorm = Array.from(ensemble.minNorm, (v) => (Number.isFinite(v) ? v : null));
  }
  const tensors = new Map([
    ['perturbation', { shape: [n, ...shape], data: result.perturbation }],
    ['labels', { shape: [n], data: Float32Array.from(labels) }],
    ['success', { shape: [n], data: Float32Array.from(result.success) }],
    ['adv_pred', { shape: [n], data: Float32Array.from(result.advPred) }],
  ]);
  if (result.eps)
    tensors.set('eps', { shape: [n], data: Float32Array.from(result.eps, (v) => (Number.isFinite(v) ? v : -1)) });
  let rcSummary: { successRate: number; robustAccuracy: number } | undefined;
  if (f['random-control']) {
    // Gaussian directions with each perturbation's norm, x + delta not clipped (clipping would change the norm)
    const p = preset.norm;
    const parts: AttackResult[] = [];
    const dirs = new Float32Array(n * d);
    for (let b = 0; b < n; b += f.batch) {
      const e = Math.min(n, b + f.batch);
      const xt = tensor(batch.x.subarray(b * d, e * d), [e - b, ...shape]);
      try {
        const rc = await randomControl({ model, x: xt, labels: labels.slice(b, e) }, sliceResult(result, b, e, d), p, {
          seed: f.seed + b,
        });
        parts.push(rc.result);
        dirs.set(rc.directions, b * d);
      } finally {
        xt.dispose();
      }
    }
    const rc = mergeResults(parts, 'random-control');
    const matched = normOf(rc.norms, p),
      target = normOf(result.norms, p);
    summary.randomControl = {
      norm: p,
      note: 'Gaussian direction per example, rescaled to the adversarial perturbation norm; x + delta not clipped',
      ...summarize(rc),
      maxNormMismatch: Math.max(0, ...[...matched].map((v, i) => Math.abs(v - target[i]))),
    };
    rcSummary = { successRate: rc.stats.successRate, robustAccuracy: rc.stats.robustAccuracy };
    tensors.set('random_control', { shape: [n, ...shape], data: dirs });
  }
  await fs.writeBytes(
    fs.joinPath(f.out, 'perturbations.safetensors'),
    encodeSafetensors(tensors, { attack: name, spec: meta.spec, data: ds.name }),
  );
  await fs.writeBytes(fs.joinPath(f.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const rep = await attackReport({
    attack: name,
    norm: preset.norm,
    spec: meta.spec,
    data: ds.name,
    checkpoint: f.checkpoint,
    backend: backend.name,
    seconds,
    shape: [n, ...shape],
    x: batch.x,
    perturbation: result.perturbation,
    labels,
    advPred: result.advPred,
    cleanCorrect: result.cleanCorrect,
    success: result.success,
    norms: normOf(result.norms, preset.norm),
    stats: result.stats,
    curve,
    checks: ensemble?.checks,
    randomControl: rcSummary,
  });
  for (const fig of rep.figures) await fs.writeBytes(fs.joinPath(f.out, fig.file), fig.bytes);
  await fs.writeBytes(fs.joinPath(f.out, 'report.md'), rep.markdown);
  const nm = preset.norm;
  if (curve)
    for (const p of curve)
      console.log(`  eps ${p.eps.toPrecision(4)}: robust accuracy ${(100 * p.robustAccuracy).toFixed(2)}%`);
  if (ensemble) for (const line of formatChecks(ensemble.checks)) console.log(line);
  console.log(
    `${name}: clean accuracy ${(100 * s.cleanAccuracy).toFixed(2)}%, success ${(100 * s.successRate).toFixed(2)}% of ${s.correct} correct, robust accuracy ${(100 * s.robustAccuracy).toFixed(2)}%, median ${nm} ${s.norms[nm].median.toPrecision(4)} (${seconds.toFixed(1)} s) -> ${f.out}`,
  );
}

/** Rows [b, e) of a result. */
function sliceResult(r: AttackResult, b: number, e: number, d: number): AttackResult {
  const rows = <A extends Float32Array | Float64Array | Int32Array | Uint8Array>(v: A, w = 1): A =>
    v.slice(b * w, e * w) as A;
  return {
    ...r,
    shape: [e - b, ...r.shape.slice(1)],
    adversarial: rows(r.adversarial, d),
    perturbation: rows(r.perturbation, d),
    cleanPred: rows(r.cleanPred),
    advPred: rows(r.advPred),
    cleanCorrect: rows(r.cleanCorrect),
    isAdversarial: rows(r.isAdversarial),
    success: rows(r.success),
    norms: { l0: rows(r.norms.l0), l1: rows(r.norms.l1), l2: rows(r.norms.l2), linf: rows(r.norms.linf) },
    eps: r.eps ? rows(r.eps) : undefined,
  };
}
