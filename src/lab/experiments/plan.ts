// `ifrlab experiment NAME --plan`: what a run would cost, without running it.
// Work is counted from the configuration (trainings, training examples, attack
// steps per image, checkpoints kept); seconds come from a measured throughput of
// each model on this machine (a few batches through the project trainer on
// synthetic data of the same shape: a PGD step on one image costs about one
// training example, a forward and a backward pass). Disk follows the pruning
// rules of the experiments (see the 'pruned' line of each item).
import { buildModel, countParameters } from '../nn/models.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import { discardSink, train } from '../train/trainer.ts';
import { PAPER_EVALUATION, PAPER_SEEDS, differencesFromPaper } from '../train/paper-settings.ts';
import { paperPreset } from '../attacks/pgd.ts';
import type { AttackEntry, ModelStudyConfig } from './model-study.ts';
import { paperResources } from './paper-tables.ts';
import type { StegoConfig } from './steganography.ts';
import type { DynamicsConfig } from './dynamics.ts';

/** Full training / test set sizes of the data sets the experiments use. */
const SIZES: Record<string, { train: number; test: number; shape: [number, number, number] }> = {
  cifar10: { train: 50000, test: 10000, shape: [3, 32, 32] },
  cifar100: { train: 50000, test: 10000, shape: [3, 32, 32] },
  mnist: { train: 60000, test: 10000, shape: [1, 28, 28] },
  'fashion-mnist': { train: 60000, test: 10000, shape: [1, 28, 28] },
};

function sizes(data: string): { train: number; test: number; shape: [number, number, number] } {
  const base = data.split(':')[0];
  if (SIZES[base]) return SIZES[base];
  const opt = (k: string, d: number): number => Number(data.match(new RegExp(`${k}=(\\d+)`))?.[1] ?? d);
  return {
    train: opt('train', 10000),
    test: opt('test', 2000),
    shape: base === 'synthetic-28' ? [1, 28, 28] : [3, 32, 32],
  };
}

/** The planned work of one model: trainings, training examples, attack image-steps, disk use and estimated seconds. */
export interface PlanRow {
  model: string;
  trainings: number;
  /** Training examples processed over all trainings (epochs x examples x seeds). */
  trainExamples: number;
  /** Attack steps x images over all attacks and seeds (forward + backward each). */
  attackImageSteps: number;
  parameters: number;
  /** Bytes left on disk when the run is done. */
  diskBytes: number;
  /** Measured training examples per second here (NaN when not measured). */
  examplesPerSecond: number;
  seconds: number;
}

/** The plan of an experiment run: one row per model, totals, checkpoint pruning and the differences from the paper. */
export interface Plan {
  experiment: string;
  rows: PlanRow[];
  totalSeconds: number;
  totalDiskBytes: number;
  pruned: string;
  /** Settings that differ from the paper's (empty: the paper's configuration). */
  differences: string[];
  /** Measurements that failed (e.g. out of memory at batch 64). */
  notes: string[];
}

/** Training examples per second of a model spec here: a few batches through the trainer. */
export async function measureThroughput(
  spec: string,
  shape: [number, number, number],
  batchSize: number,
  batches = 3,
): Promise<number> {
  const n = batchSize * batches;
  const ds = syntheticDataset({ shape, train: n, test: Math.min(batchSize, 64), seed: 1 }, 'synthetic-plan');
  const { log } = await train(
    ds,
    {
      model: spec,
      data: ds.name,
      seed: 0,
      epochs: 1,
      batchSize,
      lr: 1e-3,
      momentum: 0.9,
      weightDecay: 0,
      nesterov: false,
      schedule: 'constant',
      checkpointEveryBatches: 0,
      normalize: false,
      evalBatchSize: 64,
    },
    discardSink(),
    { backend: 'plan' },
  );
  return log.history[1]?.examplesPerSecond ?? NaN;
}

const paramCache = new Map<string, number>();

/** Parameters of a spec (built once: initialising the large models takes seconds). */
function paramsOf(spec: string, shape: [number, number, number]): number {
  const key = `${spec}@${shape.join('x')}`;
  if (!paramCache.has(key)) {
    const m = buildModel(spec, { inputShape: shape, numClasses: 10, seed: 0 });
    paramCache.set(key, countParameters(m));
    (m as { dispose?: () => void }).dispose?.();
  }
  return paramCache.get(key)!;
}

interface Work {
  model: string;
  trainings: number;
  trainExamples: number;
  evalExamples: number;
  attackImageSteps: number; /** Parameter-sized tensors left on disk (a checkpoint is 1, its momentum 1 more, best.safetensors 1). */
  copiesKept: number;
}

function fromWork(w: Work, shape: [number, number, number], eps: number, countSizes: boolean): PlanRow {
  const parameters = countSizes ? paramsOf(w.model, shape) : NaN;
  const diskBytes = 4 * parameters * w.copiesKept;
  const seconds = (w.trainExamples + w.attackImageSteps) / eps + w.evalExamples / (3 * eps);
  return {
    model: w.model,
    trainings: w.trainings,
    trainExamples: w.trainExamples,
    attackImageSteps: w.attackImageSteps,
    parameters,
    diskBytes,
    examplesPerSecond: eps,
    seconds,
  };
}

const steps = (a: AttackEntry): number =>
  (a.opts.steps ?? 0) * ((a.opts as { binarySearch?: boolean }).binarySearch ? 10 : 1);

/**
 * The plan of one experiment configuration. `measure` false skips the timing (seconds NaN);
 * `countSizes` false skips building the models to count their parameters (disk NaN), which takes
 * seconds for the large ones.
 */
export async function planExperiment(name: string, cfg: unknown, measure = true, countSizes = true): Promise<Plan> {
  const rows: PlanRow[] = [];
  // ResNets and VGG are measured at batch 16 (ResNet18 at 64 does not fit the 2 GiB WASM memory); a failure leaves the row unmeasured
  const rate = async (spec: string, shape: [number, number, number], batch: number): Promise<number> => {
    if (!measure) return NaN;
    const b = /^(resnet|vgg)/.test(spec) ? 16 : Math.min(batch, 64);
    try {
      return await measureThroughput(spec, shape, b);
    } catch (e) {
      notes.push(`${spec}: not measured at batch ${b} (${(e as Error).message.split('\n')[0]})`);
      return NaN;
    }
  };
  const notes: string[] = [];
  let pruned = '',
    differences: string[] = [];
  if (name === 'steganography') {
    const c = cfg as StegoConfig;
    const sz = sizes(c.data),
      nTrain = Math.min(c.trainLimit ?? sz.train, sz.train),
      nTest = Math.min(c.testLimit ?? sz.test, sz.test);
    for (const m of c.models) {
      const k = c.seeds * c.conditions.length;
      rows.push(
        fromWork(
          {
            model: m.spec,
            trainings: k,
            trainExamples: k * c.epochs * nTrain,
            evalExamples: k * (c.epochs + 1) * nTest,
            attackImageSteps: 0,
            copiesKept: 0,
          },
          sz.shape,
          await rate(m.spec, sz.shape, c.batchSize),
          countSizes,
        ),
      );
    }
    pruned =
      'every run keeps only log.json (weights are deleted when it finishes; while it runs, the newest checkpoint and the best copy)';
    differences = [
      ...differencesFromPaper(c, c.data),
      ...(c.seeds < PAPER_SEEDS.fast ? [`seeds ${c.seeds} (Table 2: 5 trials)`] : []),
    ];
  } else if (name === 'dynamics') {
    const c = cfg as DynamicsConfig;
    const sz = sizes(c.data),
      nTrain = Math.min(c.trainLimit ?? sz.train, sz.train),
      nTest = Math.min(c.testLimit ?? sz.test, sz.test);
    const perEpoch = Math.ceil(nTrain / c.batchSize);
    const every =
      c.checkpointEvery > 0
        ? c.checkpointEvery
        : Math.max(1, Math.round((perEpoch * c.epochs) / Math.max(c.snapshots, 1)));
    const denseEpochs = c.denseEpochs >= 0 ? Math.min(c.denseEpochs, c.epochs) : c.epochs;
    const saved = 1 + c.epochs + denseEpochs * Math.floor((perEpoch - 1) / every);
    const analysed = c.snapshots > 0 ? Math.min(saved, c.snapshots + 1) : saved;
    // per analysed checkpoint: 2 x points forward passes for the path observables (about 1/3 of a step each), the minimal-norm search
    const minimalSteps = c.minimal.steps * (c.minimal.bisectSteps + 4);
    const perCkpt = c.n * (minimalSteps + (2 * c.points) / 3) + Math.min(nTest, 1000) / 3;
    const seeds = c.seeds ?? 1;
    rows.push(
      fromWork(
        {
          model: c.spec,
          trainings: seeds,
          trainExamples: seeds * c.epochs * nTrain,
          evalExamples: seeds * (c.epochs + 1) * nTest,
          attackImageSteps: seeds * (c.n * c.attack.steps + analysed * perCkpt),
          copiesKept: seeds * (saved + 2),
        },
        sz.shape,
        await rate(c.spec, sz.shape, c.batchSize),
        countSizes,
      ),
    );
    pruned =
      `per seed: ` +
      (c.denseEpochs >= 0
        ? `batch checkpoints only in the first ${c.denseEpochs} epochs (every ${every} batches), then one per epoch: ${saved} checkpoints, ${analysed} analysed`
        : `every checkpoint kept (${saved}), ${analysed} analysed`);
    differences = [...differencesFromPaper(c, c.data)];
    if (seeds < PAPER_SEEDS.slow) differences.push(`seeds ${seeds} (issue 17: at least ${PAPER_SEEDS.slow})`);
    if (c.n !== PAPER_EVALUATION.dynamicsImages)
      differences.push(`n ${c.n} (paper ${PAPER_EVALUATION.dynamicsImages} training images)`);
    if (c.attack.steps !== PAPER_EVALUATION.pgdSteps)
      differences.push(`attack steps ${c.attack.steps} (paper ${PAPER_EVALUATION.pgdSteps})`);
    if (c.checkpointEvery !== PAPER_EVALUATION.dynamicsCheckpointEvery)
      differences.push(
        `checkpointEvery ${c.checkpointEvery} (authors: ${PAPER_EVALUATION.dynamicsCheckpointEvery} batches)`,
      );
  } else {
    const c = cfg as ModelStudyConfig;
    const sz = sizes(c.data),
      nTrain = Math.min(c.trainLimit ?? sz.train, sz.train),
      nTest = Math.min(c.testLimit ?? sz.test, sz.test);
    const attackN = Math.min(c.attackN, sz.test);
    for (const m of c.models) {
      const seeds = m.seeds ?? c.seeds ?? 1;
      const epochs = m.epochs ?? c.epochs;
      const need = paperResources(m.spec).seeds;
      rows.push(
        fromWork(
          {
            model: m.spec,
            trainings: seeds,
            trainExamples: seeds * epochs * nTrain,
            evalExamples: seeds * (epochs + 1) * nTest,
            attackImageSteps: seeds * attackN * c.attacks.reduce((s, a) => s + steps(a), 0),
            copiesKept: 3 * seeds,
          },
          sz.shape,
          await rate(m.spec, sz.shape, c.batchSize),
          countSizes,
        ),
      );
      if (seeds < need) differences.push(`${m.spec}: ${seeds} seed(s) (issue 17: at least ${need})`);
    }
    pruned =
      'per model and seed: the newest checkpoint (with momentum, for resume) and best.safetensors; older epochs are deleted; attacks keep per-image statistics and spectrum sums, never the perturbations';
    differences = [...differencesFromPaper(c, c.data), ...differences];
    if (c.attackN !== PAPER_EVALUATION.attackImages)
      differences.push(`attackN ${c.attackN} (paper ${PAPER_EVALUATION.attackImages})`);
    for (const a of c.attacks) {
      const preset = (['pgd-linf', 'pgd-l2', 'pgd-l1'] as const).find((p) => p === a.name);
      const want = preset
        ? paperPreset(preset, sz.shape[0] * sz.shape[1] * sz.shape[2]).steps
        : PAPER_EVALUATION.pgdSteps;
      if (a.opts.steps !== want) differences.push(`${a.name} steps ${a.opts.steps} (paper ${want})`);
    }
  }
  const totalSeconds = rows.reduce((s, r) => s + (Number.isFinite(r.seconds) ? r.seconds : 0), 0);
  return {
    experiment: name,
    rows,
    totalSeconds,
    totalDiskBytes: rows.reduce((s, r) => s + r.diskBytes, 0),
    pruned,
    differences,
    notes,
  };
}

export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  if (s < 3 * 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

export function fmtBytes(b: number): string {
  return b < 1e6 ? `${(b / 1e3).toFixed(0)} kB` : b < 1e9 ? `${(b / 1e6).toFixed(0)} MB` : `${(b / 1e9).toFixed(2)} GB`;
}

/** Plain-text table of a plan. */
export function planText(p: Plan): string {
  const lines = [
    `plan: ${p.experiment}`,
    `  ${'model'.padEnd(24)} ${'runs'.padStart(4)} ${'train ex'.padStart(11)} ${'attack img-steps'.padStart(16)} ${'ex/s here'.padStart(9)} ${'time'.padStart(9)} ${'disk'.padStart(8)}`,
  ];
  for (const r of p.rows)
    lines.push(
      `  ${r.model.padEnd(24)} ${String(r.trainings).padStart(4)} ${r.trainExamples.toExponential(2).padStart(11)} ${r.attackImageSteps.toExponential(2).padStart(16)} ${(Number.isFinite(r.examplesPerSecond) ? r.examplesPerSecond.toFixed(0) : '-').padStart(9)} ${fmtDuration(r.seconds).padStart(9)} ${fmtBytes(r.diskBytes).padStart(8)}`,
    );
  const unmeasured = p.rows.filter((r) => !Number.isFinite(r.seconds)).map((r) => r.model);
  lines.push(
    `  total: ${fmtDuration(p.totalSeconds)}${unmeasured.length ? ` + ${unmeasured.join(', ')} (not measured)` : ''} on this machine's backend, ${fmtBytes(p.totalDiskBytes)} on disk (budget 5 GB per experiment)`,
  );
  lines.push(`  pruned: ${p.pruned}`);
  for (const n of p.notes) lines.push(`  note: ${n}`);
  lines.push(
    p.differences.length ? `  differs from the paper: ${p.differences.join('; ')}` : "  every setting is the paper's",
  );
  return lines.join('\n');
}
