// ifrlab train --model SPEC --data NAME --out DIR [options]
import { setImmediate } from 'node:timers';
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
import { totalmem } from 'node:os';
import { train, TrainingDiverged, type TrainConfig, type Progress } from '../lab/train/trainer.ts';
import { defaultLearningRate, parseSpec, formatSpec, parameterShapes, MODEL_GRAMMAR } from '../lab/nn/models.ts';
import { makeSchedule } from '../lab/train/schedule.ts';
import { datasetShape } from '../lab/data/registry.ts';
import { PAPER_TRAINING } from '../lab/train/paper-settings.ts';
import { steganography, type StegoVariant } from '../lab/data/steganography.ts';
import { formatDuration, progressReporter, type ProgressReporter } from '../lab/platform/progress.ts';

const spec = {
  model: { type: 'string', required: true, help: 'model spec, e.g. fc-w2700-d1-linear, bwc-k3-c32-d3-relu, resnet18' },
  data: {
    type: 'string',
    default: 'synthetic',
    help: 'data set: synthetic, synthetic-28, cifar10, cifar100, mnist, fashion-mnist (options: synthetic:train=N,test=M,seed=S)',
  },
  ...DATA_DIR,
  ...outOption('log.json, checkpoints/, best.*', true),
  epochs: { type: 'number', default: PAPER_TRAINING.epochs, int: true, min: 1, help: 'epochs' },
  batch: { type: 'number', default: PAPER_TRAINING.batchSize, int: true, min: 1, help: 'batch size' },
  lr: {
    type: 'number',
    gt: 0,
    help: 'peak learning rate (default: 0.002 for fwc and linear bwc, else 0.01, as paper Table 7)',
  },
  momentum: { type: 'number', default: PAPER_TRAINING.momentum, min: 0, lt: 1, help: 'SGD momentum' },
  'weight-decay': { type: 'number', default: 0, min: 0, help: 'L2 weight decay (the paper uses none)' },
  nesterov: { type: 'boolean', default: false, help: 'Nesterov momentum' },
  schedule: {
    type: 'string',
    default: 'step',
    help: 'learning-rate schedule: step (x0.3 every 4 epochs, the code), linear-reset (the text), constant; step:F:N, linear-reset:P:M',
  },
  ...SEED,
  ...BACKEND,
  'checkpoint-every-batches': {
    type: 'number',
    default: 0,
    int: true,
    min: 0,
    help: 'also checkpoint every N batches (0: epoch ends only)',
  },
  resume: { type: 'boolean', default: false, help: 'continue from the last checkpoint in --out' },
  'limit-train': { type: 'number', int: true, min: 1, help: 'use only the first N training examples' },
  'limit-test': { type: 'number', int: true, min: 1, help: 'use only the first N test examples' },
  'eval-batch': { type: 'number', default: 500, int: true, min: 1, help: 'evaluation batch size' },
  normalize: {
    type: 'boolean',
    default: false,
    help: 'per-channel normalisation with the training mean/std (the paper uses none)',
  },
  'stego-eps': {
    type: 'number',
    min: 0,
    help: 'steganography: add class patterns of strength eps to the spectrum (paper 4.2.2)',
  },
  'stego-rho': {
    type: 'number',
    default: 0.2,
    min: 0,
    max: 1,
    help: 'steganography: Bernoulli density of the pattern',
  },
  'stego-seed': { type: 'number', default: 0, int: true, min: 0, help: 'steganography: pattern seed' },
  'stego-variant': {
    type: 'string',
    default: 'authors',
    help: "steganography: 'authors' (real part, no clip) or 'hermitian'",
  },
  'stego-clip': { type: 'boolean', default: false, help: 'steganography: clip images to [0, 1]' },
  'stop-after-batches': { type: 'number', int: true, min: 0, help: '(testing) stop as if interrupted after N batches' },
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
} satisfies FlagSpec;

export function progressLine(p: Progress): string {
  const w = 20,
    filled = Math.round((w * p.batch) / p.batches);
  return `epoch ${p.epoch}/${p.epochs} [${'#'.repeat(filled)}${'.'.repeat(w - filled)}] batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${(100 * p.accuracy).toFixed(1)}% ${p.examplesPerSecond.toFixed(0)} ex/s ETA ${formatDuration(p.etaSeconds)}`;
}

/** Refuse a model whose weights, gradients and momentum would not fit in `limit.bytes` (this machine, or the wasm backend's memory). */
export function checkModelSize(
  spec: string,
  shape: readonly number[],
  classes: number,
  limit: { bytes: number; what: string },
): void {
  let n = 0;
  for (const s of parameterShapes(spec, { inputShape: shape, numClasses: classes }).values())
    n += s.reduce((a, b) => a * b, 1);
  const need = 4 * n * 3; // float32 weights + gradients + momentum
  const gb = (b: number): string => `${(b / 1e9).toFixed(2)} GB`;
  if (need > limit.bytes)
    throw new Error(
      `train: ${spec} on [${shape.join(', ')}] inputs has ${n.toLocaleString('en-US')} parameters (${gb(4 * n)} as float32, ${gb(need)} with gradients and momentum), more than ${limit.what} (${gb(limit.bytes)}); choose a smaller model`,
    );
}

/** The memory a backend can use: this machine's, and at most the 2 GiB linear memory of the wasm backend. */
const memoryLimit = (backend?: string): { bytes: number; what: string } =>
  backend === 'wasm' && 2 ** 31 < totalmem()
    ? { bytes: 2 ** 31, what: 'the wasm backend can address' }
    : { bytes: totalmem(), what: 'the memory of this machine' };

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags('train', spec, argv);
  if (f.help) {
    console.log(
      `${helpText('train', spec)}\n\nmodel specs (tokens after the family in any order, each optional):\n${MODEL_GRAMMAR}`,
    );
    return;
  }
  // everything that can be checked without data is checked before any work or any file is written
  const modelSpec = formatSpec(parseSpec(f.model));
  const BACKENDS = ['reference', 'wasm', 'webgpu'];
  if (f.backend !== 'auto' && !BACKENDS.includes(f.backend))
    throw new Error(`train: unknown backend '${f.backend}' (${BACKENDS.join(', ')})${didYouMean(f.backend, BACKENDS)}`);
  const variant = f['stego-variant'] as StegoVariant;
  if (variant !== 'authors' && variant !== 'hermitian')
    throw new Error(`train: --stego-variant must be 'authors' or 'hermitian', got '${variant}'`);
  const cfg: TrainConfig = {
    model: modelSpec,
    data: f.data,
    seed: f.seed,
    epochs: f.epochs,
    batchSize: f.batch,
    lr: f.lr ?? defaultLearningRate(modelSpec),
    momentum: f.momentum,
    weightDecay: f['weight-decay'],
    nesterov: f.nesterov,
    schedule: f.schedule,
    checkpointEveryBatches: f['checkpoint-every-batches'],
    normalize: f.normalize,
    limitTrain: f['limit-train'],
    limitTest: f['limit-test'],
    evalBatchSize: f['eval-batch'],
    stopAfterBatches: f['stop-after-batches'],
  };
  makeSchedule(cfg.schedule, cfg.lr);
  const shape = datasetShape(cfg.data); // also checks the data set name and options
  const { loadDatasetFromDisk } = await import('../lab/platform/data.ts');
  const { dirSink, readTrainLog, findResumePoint } = await import('../lab/platform/train-sink.ts');
  const { prepareOutputDir, removeStaleTemps, fileExists, joinPath } = await import('../lab/platform/fs.ts');
  const { acquireRunLock } = await import('../lab/platform/run-lock.ts');
  const { loadCheckpoint } = await import('../lab/io/checkpoint.ts');
  const err = (s: string): void => {
    process.stderr.write(s);
  };
  const backend = await selectBackend(f.backend);
  checkModelSize(modelSpec, shape.shape, shape.classes, memoryLimit(backend.name));
  // the output folder is created, tested and locked before any work: one writer per run directory
  await prepareOutputDir(f.out);
  const lock = await acquireRunLock(f.out, `train ${argv.join(' ')}`);
  try {
    await removeStaleTemps(f.out);
    await removeStaleTemps(joinPath(f.out, 'checkpoints'));
    await trainLocked();
  } finally {
    lock.release();
  }

  async function trainLocked(): Promise<void> {
    err(
      `train: ${modelSpec} on ${cfg.data}, backend ${backend.name}, ${cfg.epochs} epochs, batch ${cfg.batchSize}, lr ${cfg.lr} (${cfg.schedule}), seed ${cfg.seed} -> ${f.out}\n`,
    );
    let ds = await loadDatasetFromDisk(cfg.data, f['data-dir']);
    if (f['stego-eps'] !== undefined) {
      ds = steganography(ds, {
        eps: f['stego-eps'],
        rho: f['stego-rho'],
        seed: f['stego-seed'],
        variant,
        clip: f['stego-clip'],
      });
      cfg.data = ds.name;
    }
    for (const [flag, n, split] of [
      ['limit-train', f['limit-train'], ds.train],
      ['limit-test', f['limit-test'], ds.test],
    ] as const) {
      if (n !== undefined && n > split.n)
        err(`train: --${flag} ${n} is more than the ${split.n} examples of ${ds.name}; using all ${split.n}\n`);
    }
    let resume;
    if (f.resume) {
      const log = await readTrainLog(f.out);
      if (log?.status === 'done' && log.config.epochs >= cfg.epochs) {
        err(`train --resume: the run in ${f.out} is already complete (${log.config.epochs} epochs)\n`);
        return;
      }
      // the newest complete checkpoint, even when a kill left log.json one save behind
      const point = await findResumePoint(f.out);
      if (!point) {
        if (!log && !fileExists(joinPath(f.out, 'checkpoints')) && !lock.staleFrom)
          throw new Error(`train --resume: no run to resume in ${f.out} (no log.json, no checkpoints/)`);
        err(
          `train --resume: ${f.out} has no complete checkpoint yet (the first save was interrupted); starting from the beginning\n`,
        );
      } else {
        resume = await loadCheckpoint(point.path, { optimizer: true });
        const was = (resume.meta.log as { config?: { model?: string } } | undefined)?.config?.model;
        if (was !== cfg.model) {
          resume.model.dispose?.();
          throw new Error(`train --resume: ${f.out} holds a ${was} run, not ${cfg.model}`);
        }
        // best.safetensors/best.json are copies of a kept checkpoint: redo the copy in case a kill split the pair
        const best = (resume.meta.log as { best?: { checkpoint: string } | null }).best;
        if (best) await dirSink(f.out).markBest(best.checkpoint);
      }
    }
    const tty = process.stderr.isTTY;
    let last = 0;
    const progress = f.quiet
      ? undefined
      : (p: Progress): void => {
          const t = Date.now();
          if (t - last < (tty ? 250 : 15000) && p.batch !== p.batches) return;
          last = t;
          err(tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`);
        };
    // the test evaluations (the first one runs before any epoch) through the shared reporter
    const bars = new Map<string, ProgressReporter>();
    const evalProgress = f.quiet
      ? undefined
      : (label: string, done: number, total: number): void => {
          // keep the training bar's last line (redrawn in place on a terminal) above the evaluation's
          if (tty && !bars.has(label) && !label.includes('epoch 0')) err('\n');
          if (!bars.has(label)) bars.set(label, progressReporter(label, { unit: 'examples' }));
          bars.get(label)!.update(done, total);
          if (done >= total) {
            bars.get(label)!.finish();
            bars.delete(label);
          }
        };
    // Ctrl-C (or SIGTERM): finish the batch, checkpoint it, write the log, exit; a second one quits after the batch
    let stopRequested = false;
    const onSignal = (): void => {
      if (stopRequested) process.exit(130);
      stopRequested = true;
      err(
        `\ninterrupt: stopping after this batch (checkpoint + log.json); press Ctrl-C again to quit without saving\n`,
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const { log } = await train(ds, cfg, dirSink(f.out), {
        backend: backend.name,
        resume,
        progress,
        evalProgress,
        // one turn of the event loop per batch, so that the signal handler runs
        stopRequested: () => new Promise<boolean>((done) => setImmediate(() => done(stopRequested))),
        log: (line) => err(`${tty && !f.quiet ? '\r\x1b[K' : ''}${line}\n`),
      });
      if (log.status === 'done')
        err(
          `done: best test accuracy ${(100 * (log.bestTestAccuracy ?? 0)).toFixed(2)}% at epoch ${log.best?.epoch}; ${log.wallSeconds.toFixed(0)} s; log ${f.out}/log.json\n`,
        );
      else {
        err(`stopped (${log.status}); continue with --resume\n`);
        if (stopRequested) process.exitCode = 130;
      }
      for (const w of log.warnings ?? []) err(`warning (also in log.json): ${w}\n`);
    } catch (e) {
      if (e instanceof TrainingDiverged) {
        err(`\n${e.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
