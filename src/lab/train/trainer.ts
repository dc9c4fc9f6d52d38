// The training loop: SGD with momentum (in place, through the backend's sgdStep),
// per-epoch learning-rate schedule, evaluation every epoch, the best epoch kept,
// checkpoints every epoch (and optionally every N batches), exact resume, and a
// hard stop on a NaN/Inf loss. Platform-free: files are written through a TrainSink
// (src/platform/train-sink.ts writes to a directory under Node and Deno).
import { tidy, memory, noGrad, type Tensor } from '../../engine/tensor.ts';
import { tensor } from '../../engine/ops/creation.ts';
import { crossEntropy } from '../../engine/ops/nn.ts';
import { backward } from '../../engine/autograd/backward.ts';
import type { Classifier } from '../nn/types.ts';
import { buildModel, countParameters } from '../nn/models.ts';
import type { Dataset, Split } from '../data/dataset.ts';
import { channelStats, limitSplit } from '../data/dataset.ts';
import { batches, numBatches, type BatchOptions } from '../data/batches.ts';
import { SGD } from './optim.ts';
import { makeSchedule } from './schedule.ts';
import type { CheckpointMeta } from '../io/checkpoint.ts';
import { argmaxRows } from '../attacks/common.ts';

/** Everything a training run needs (trainConfig() fills in the defaults); saved in log.json and checkpoints. */
export interface TrainConfig {
  model: string;
  data: string;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  schedule: string;
  /** Also checkpoint every N batches (0 = only at epoch ends). */
  checkpointEveryBatches: number;
  /** Per-channel normalisation with the training set's mean and std (off by default, as the paper). */
  normalize: boolean;
  limitTrain?: number;
  limitTest?: number;
  evalBatchSize: number;
  /** Stop (as if interrupted) after this many batches in this process; for tests of --resume. */
  stopAfterBatches?: number;
  /**
   * Which checkpoints stay on disk: 'all' (default), 'best-last' (the best epoch and the newest,
   * for analyses of the best model), 'last' (only the newest, for resume; the best is still
   * copied to 'best'), or { denseEpochs: E } (learning dynamics: every checkpoint of the first E
   * epochs, then the epoch ends only).
   */
  keep?: 'all' | 'best-last' | 'last' | { denseEpochs: number };
}

/** One epoch of a training log: learning rate, train and test loss and accuracy, speed, checkpoint. */
export interface EpochRecord {
  /** Completed epochs (1-based); 0 is the initial model. */
  epoch: number;
  lr: number | null;
  trainLoss: number | null;
  trainAccuracy: number | null;
  testLoss: number;
  testAccuracy: number;
  /** Training examples per second during this epoch (excludes evaluation and checkpointing). */
  examplesPerSecond: number | null;
  /** Wall seconds of this epoch (training + evaluation + checkpoint). */
  seconds: number;
  checkpoint: string;
}

/** A training run's log.json: config, history, best epoch, checkpoints, status. */
export interface TrainLog {
  format: 'ifrlab-train-log';
  config: TrainConfig;
  backend: string;
  dataset: { name: string; shape: number[]; classes: number; train: number; test: number };
  model: { spec: string; parameters: number };
  /** Random id of this run (kept across resumes): tells its checkpoints from an older run's left in the same folder. */
  runId?: string;
  status: 'running' | 'interrupted' | 'done' | 'diverged' | 'failed';
  message?: string;
  /** Mean loss of the first training batch; a later batch loss above LOSS_EXPLOSION times it is reported. */
  initialLoss?: number;
  /** Warnings about the run (e.g. an exploding loss), also printed while training. */
  warnings?: string[];
  history: EpochRecord[];
  best: { epoch: number; testAccuracy: number; checkpoint: string } | null;
  bestTestAccuracy: number | null;
  checkpoints: string[];
  lastCheckpoint: string | null;
  wallSeconds: number;
  normalize?: { mean: number[]; std: number[] };
}

/** Where train() writes checkpoints and the log (dirSink: a directory; memorySink: memory). */
export interface TrainSink {
  /** Save a checkpoint under a name like 'epoch-003' (velocity only for the newest one). */
  saveCheckpoint(name: string, model: Classifier, meta: CheckpointMeta, velocity?: Map<string, Tensor>): Promise<void>;
  /** Drop the optimiser state of an older checkpoint. */
  dropOptimizerState(name: string): Promise<void>;
  /** Copy a checkpoint to 'best'. */
  markBest(name: string): Promise<void>;
  /** Delete a checkpoint (weights and sidecar), for TrainConfig.keep. */
  deleteCheckpoint?(name: string): Promise<void>;
  writeLog(log: TrainLog): Promise<void>;
}

/** A progress report of train(): epoch, batch, running loss and accuracy, speed, ETA. */
export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

/** What train() needs to resume: the model, its checkpoint meta and the optimiser state. */
export interface ResumeState {
  model: Classifier;
  meta: CheckpointMeta;
  velocity?: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>;
}

interface EpochProgress {
  lossSum: number;
  correct: number;
  seen: number;
  trainSeconds: number;
  wallStart: number;
}

/** Thrown by train() when the loss becomes NaN or infinite. */
export class TrainingDiverged extends Error {}

/** A batch loss this many times the first batch's loss is reported as an explosion (see TrainLog.warnings). */
export const LOSS_EXPLOSION = 100;

/** After every batch: what the web lab shows (and where it snapshots). */
export interface StepInfo {
  /** Optimiser steps so far (1-based after the first batch). */
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  accuracy: number;
  model: Classifier;
}

/**
 * Hooks for interactive use (the web lab): onStart gets the model and optimiser before the
 * first batch; beforeBatch is awaited before every batch (pause here, or take a lock);
 * afterBatch after it (post progress, snapshot, release the lock).
 */
export interface TrainHooks {
  onStart?(model: Classifier, optimizer: SGD): void | Promise<void>;
  beforeBatch?(): void | Promise<void>;
  afterBatch?(s: StepInfo): void | Promise<void>;
}

/** A sink that keeps nothing (in-memory training: the web lab, accuracy-only experiments). */
export function discardSink(): TrainSink {
  return { async saveCheckpoint() {}, async dropOptimizerState() {}, async markBest() {}, async writeLog() {} };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;

function argmaxCorrect(logits: Float32Array, y: ArrayLike<number>, k: number): number {
  const pred = argmaxRows(logits, y.length, k);
  let c = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) c++;
  return c;
}

/** Mean cross-entropy and accuracy of a model on a split (eval mode, no gradients). */
export async function evaluate(
  model: Classifier,
  s: Split,
  shape: readonly number[],
  batchSize = 500,
  normalize?: BatchOptions['normalize'],
  onProgress?: (done: number, total: number) => void,
): Promise<{ loss: number; accuracy: number }> {
  const was = (model as { training?: boolean }).training ?? false;
  model.setTraining(false);
  let loss = 0,
    correct = 0,
    seen = 0;
  onProgress?.(0, s.n);
  try {
    for (const hb of batches(s, shape, { batchSize, normalize })) {
      const [l, lg] = noGrad(() =>
        tidy(() => {
          const logits = model.forward(tensor(hb.x, [hb.n, ...shape]));
          return [crossEntropy(logits, hb.y, 'sum'), logits];
        }),
      );
      loss += await l.item();
      correct += argmaxCorrect(await lg.data(), hb.y, model.numClasses);
      l.dispose();
      lg.dispose();
      seen += hb.n;
      onProgress?.(seen, s.n);
    }
  } finally {
    model.setTraining(was);
  }
  return { loss: loss / s.n, accuracy: correct / s.n };
}

/** Train (or resume) a model on a data set. Returns the final log. */
/**
 * `stopRequested` is awaited after every batch: when it gives true (Ctrl-C in the CLI), the run
 * checkpoints that batch, writes the log with status 'interrupted' and returns; --resume continues.
 * (The CLI's version yields to the event loop first: a batch on the WASM backend never does, so
 * without it a signal would only be seen at the next file write.)
 */
export async function train(
  dsFull: Dataset,
  cfg: TrainConfig,
  sink: TrainSink,
  opts: {
    backend: string;
    resume?: ResumeState;
    progress?: (p: Progress) => void;
    evalProgress?: (label: string, done: number, total: number) => void;
    log?: (line: string) => void;
    stopRequested?: () => boolean | Promise<boolean>;
    hooks?: TrainHooks;
  } = { backend: 'unknown' },
): Promise<{ log: TrainLog; model: Classifier }> {
  const shape = dsFull.shape;
  const trainSplit = limitSplit(dsFull.train, cfg.limitTrain, shape);
  const testSplit = limitSplit(dsFull.test, cfg.limitTest, shape);
  const say = opts.log ?? (() => {});
  const normalize = cfg.normalize ? channelStats(trainSplit, shape) : undefined;
  const schedule = makeSchedule(cfg.schedule, cfg.lr);
  const bopts = (epoch: number): BatchOptions => ({
    batchSize: cfg.batchSize,
    shuffle: true,
    seed: cfg.seed,
    epoch,
    normalize,
  });
  const nb = numBatches(trainSplit.n, bopts(0));

  let model: Classifier;
  let opt: SGD;
  let log: TrainLog;
  let epoch0: number, batch0: number;
  let part: EpochProgress;
  const r = opts.resume;
  if (r) {
    model = r.model;
    if (!r.velocity) throw new Error(`resume: checkpoint of epoch ${r.meta.epoch} has no optimiser state`);
    opt = new SGD(
      model.parameters(),
      { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay, nesterov: cfg.nesterov },
      r.velocity,
    );
    opt.steps = r.meta.optimizer?.steps ?? 0;
    log = r.meta.log as TrainLog;
    if (!log) throw new Error('resume: the checkpoint has no training log');
    log.config = { ...cfg };
    log.status = 'running';
    delete log.message;
    epoch0 = r.meta.epoch;
    batch0 = r.meta.batchInEpoch ?? 0;
    const p = r.meta.partial as Omit<EpochProgress, 'wallStart'> | undefined;
    part = {
      lossSum: p?.lossSum ?? 0,
      correct: p?.correct ?? 0,
      seen: p?.seen ?? 0,
      trainSeconds: p?.trainSeconds ?? 0,
      wallStart: now(),
    };
    say(`resuming from ${log.lastCheckpoint} (epoch ${epoch0}, batch ${batch0})`);
  } else {
    model = buildModel(cfg.model, { inputShape: shape, numClasses: dsFull.numClasses, seed: cfg.seed });
    opt = new SGD(model.parameters(), {
      lr: cfg.lr,
      momentum: cfg.momentum,
      weightDecay: cfg.weightDecay,
      nesterov: cfg.nesterov,
    });
    log = {
      format: 'ifrlab-train-log',
      config: { ...cfg },
      backend: opts.backend,
      dataset: {
        name: dsFull.name,
        shape: [...shape],
        classes: dsFull.numClasses,
        train: trainSplit.n,
        test: testSplit.n,
      },
      model: { spec: model.spec, parameters: countParameters(model) },
      runId: globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`,
      status: 'running',
      history: [],
      best: null,
      bestTestAccuracy: null,
      checkpoints: [],
      lastCheckpoint: null,
      wallSeconds: 0,
      normalize,
    };
    epoch0 = 0;
    batch0 = 0;
    part = { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0, wallStart: now() };
  }
  const wallBase = log.wallSeconds;
  const runStart = now();
  const params = model.parameters();
  const paramList = [...params.values()];

  const metaFor = (epoch: number, batchInEpoch: number, extra: Partial<CheckpointMeta> = {}): CheckpointMeta => ({
    format: 'ifrlab-checkpoint',
    version: 1,
    spec: model.spec,
    inputShape: [...shape],
    numClasses: dsFull.numClasses,
    data: dsFull.name,
    seed: cfg.seed,
    epoch,
    batchInEpoch,
    globalStep: opt.steps,
    optimizer: opt.state(),
    normalize,
    config: cfg,
    ...extra,
  });
  const save = async (name: string, meta: CheckpointMeta): Promise<void> => {
    log.wallSeconds = wallBase + (now() - runStart);
    const prev = log.lastCheckpoint;
    log.checkpoints.push(name);
    log.lastCheckpoint = name;
    const gone = pruned();
    meta.log = JSON.parse(JSON.stringify(log));
    // new checkpoint, then the log, only then drop the old optimiser state: a kill between any two
    // steps leaves a complete checkpoint to resume from
    await sink.saveCheckpoint(name, model, meta, opt.velocity);
    await sink.writeLog(log);
    if (prev && prev !== name) await sink.dropOptimizerState(prev);
    // files go only after the log no longer names them
    for (const n of gone) await sink.deleteCheckpoint!(n);
  };
  // TrainConfig.keep: drop checkpoints that are neither the newest, the best (unless 'last') nor a kept
  // epoch from log.checkpoints, and return them for deletion once the log is written
  const pruned = (): string[] => {
    const keep = cfg.keep ?? 'all';
    if (keep === 'all' || !sink.deleteCheckpoint) return [];
    const dense = typeof keep === 'object' ? keep.denseEpochs : -1;
    // names: epoch-E (after E epochs) and epoch-E-batch-B (B batches into epoch E + 1, 0-based E)
    const stay = (n: string): boolean =>
      n === log.lastCheckpoint ||
      (keep !== 'last' && n === log.best?.checkpoint) ||
      (dense >= 0 && (/^epoch-\d+$/.test(n) || Number(n.slice(6, 9)) < dense));
    const gone = log.checkpoints.filter((n) => !stay(n));
    log.checkpoints = log.checkpoints.filter(stay);
    return gone;
  };
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');

  try {
    if (!r) {
      // the initial model, for learning-dynamics studies
      const t0 = now();
      const ev = await evaluate(
        model,
        testSplit,
        shape,
        cfg.evalBatchSize,
        normalize,
        opts.evalProgress && ((d, t) => opts.evalProgress!('test evaluation (epoch 0)', d, t)),
      );
      const name = 'epoch-000';
      log.history.push({
        epoch: 0,
        lr: null,
        trainLoss: null,
        trainAccuracy: null,
        testLoss: ev.loss,
        testAccuracy: ev.accuracy,
        examplesPerSecond: null,
        seconds: now() - t0,
        checkpoint: name,
      });
      await save(name, metaFor(0, 0, { testAccuracy: ev.accuracy }));
      say(`epoch 0 (initial): test loss ${ev.loss.toFixed(4)}, accuracy ${(100 * ev.accuracy).toFixed(2)}%`);
    }
    let batchesThisRun = 0;
    const stopNow = async (): Promise<boolean> =>
      (cfg.stopAfterBatches !== undefined && batchesThisRun >= cfg.stopAfterBatches) ||
      !!(await opts.stopRequested?.());
    const liveAtStart = memory().tensors;
    await opts.hooks?.onStart?.(model, opt);
    for (let epoch = epoch0; epoch < cfg.epochs; epoch++) {
      opt.lr = schedule.lr(epoch);
      model.setTraining(true);
      const first = epoch === epoch0 ? batch0 : 0;
      if (first === 0) part = { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0, wallStart: now() };
      let b = first;
      for (const hb of batches(trainSplit, shape, bopts(epoch), first)) {
        await opts.hooks?.beforeBatch?.();
        const tb = now();
        const { loss, logits, grads } = tidy(() => {
          const x = tensor(hb.x, [hb.n, ...shape]);
          const logits = model.forward(x);
          const loss = crossEntropy(logits, hb.y);
          const grads = backward(loss, { targets: paramList });
          return { loss, logits, grads };
        });
        const lv = await loss.item();
        const lg = await logits.data();
        loss.dispose();
        logits.dispose();
        if (!Number.isFinite(lv)) {
          for (const g of grads.values()) g.dispose();
          const msg = `training stopped: the loss is ${lv} at epoch ${epoch + 1}, batch ${b + 1} (lr ${opt.lr}). The last good checkpoint is ${log.lastCheckpoint ?? 'none'}; try a smaller --lr.`;
          log.status = 'diverged';
          log.message = msg;
          log.wallSeconds = wallBase + (now() - runStart);
          await sink.writeLog(log);
          throw new TrainingDiverged(msg);
        }
        if (log.initialLoss === undefined) log.initialLoss = lv;
        else if (lv > LOSS_EXPLOSION * log.initialLoss && !log.warnings?.some((w) => w.startsWith('loss exploded'))) {
          const w = `loss exploded: ${lv.toPrecision(3)} at epoch ${epoch + 1}, batch ${b + 1}, over ${LOSS_EXPLOSION}x the first batch's ${log.initialLoss.toPrecision(3)} (lr ${opt.lr}); the run continues but is probably useless, try a smaller --lr`;
          (log.warnings ??= []).push(w);
          say(`warning: ${w}`);
        }
        opt.step(grads);
        for (const g of grads.values()) g.dispose();
        part.lossSum += lv * hb.n;
        const correct = argmaxCorrect(lg, hb.y, model.numClasses);
        part.correct += correct;
        part.seen += hb.n;
        part.trainSeconds += now() - tb;
        b++;
        batchesThisRun++;
        await opts.hooks?.afterBatch?.({ step: opt.steps, epoch, batch: b, loss: lv, accuracy: correct / hb.n, model });
        if (opts.progress) {
          const eps = part.seen / Math.max(part.trainSeconds, 1e-9);
          const left =
            (cfg.epochs - epoch - 1) * trainSplit.n + (trainSplit.n - Math.min(b * cfg.batchSize, trainSplit.n));
          opts.progress({
            epoch: epoch + 1,
            epochs: cfg.epochs,
            batch: b,
            batches: nb,
            loss: part.lossSum / part.seen,
            accuracy: part.correct / part.seen,
            examplesPerSecond: eps,
            etaSeconds: left / eps,
          });
        }
        const interrupted = await stopNow();
        if (b < nb && ((cfg.checkpointEveryBatches > 0 && b % cfg.checkpointEveryBatches === 0) || interrupted)) {
          const { wallStart: _w, ...p } = part;
          await save(
            `epoch-${pad(epoch, 3)}-batch-${pad(b, 5)}`,
            metaFor(epoch, b, { partial: p, trainLoss: part.lossSum / part.seen }),
          );
        }
        if (interrupted && b < nb) {
          log.status = 'interrupted';
          await sink.writeLog(log);
          return { log, model };
        }
      }
      model.setTraining(false);
      const trainSeconds = part.trainSeconds;
      const ev = await evaluate(
        model,
        testSplit,
        shape,
        cfg.evalBatchSize,
        normalize,
        opts.evalProgress && ((d, t) => opts.evalProgress!(`test evaluation (epoch ${epoch + 1})`, d, t)),
      );
      const name = `epoch-${pad(epoch + 1, 3)}`;
      const rec: EpochRecord = {
        epoch: epoch + 1,
        lr: opt.lr,
        trainLoss: part.lossSum / part.seen,
        trainAccuracy: part.correct / part.seen,
        testLoss: ev.loss,
        testAccuracy: ev.accuracy,
        examplesPerSecond: part.seen / Math.max(trainSeconds, 1e-9),
        seconds: now() - part.wallStart,
        checkpoint: name,
      };
      log.history.push(rec);
      const isBest = !log.best || ev.accuracy > log.best.testAccuracy;
      if (isBest) {
        log.best = { epoch: epoch + 1, testAccuracy: ev.accuracy, checkpoint: name };
        log.bestTestAccuracy = ev.accuracy;
      }
      await save(
        name,
        metaFor(epoch + 1, 0, {
          testAccuracy: ev.accuracy,
          trainLoss: rec.trainLoss,
          trainAccuracy: rec.trainAccuracy,
        }),
      );
      if (isBest) await sink.markBest(name);
      say(
        `epoch ${epoch + 1}/${cfg.epochs}: lr ${opt.lr.toPrecision(3)}, train loss ${rec.trainLoss!.toFixed(4)}, train acc ${(100 * rec.trainAccuracy!).toFixed(2)}%, test acc ${(100 * ev.accuracy).toFixed(2)}%, ${rec.examplesPerSecond!.toFixed(0)} ex/s, ${rec.seconds.toFixed(1)} s, live tensors ${memory().tensors - liveAtStart >= 0 ? '+' : ''}${memory().tensors - liveAtStart}`,
      );
      if (epoch + 1 < cfg.epochs && (await stopNow())) {
        log.status = 'interrupted';
        await sink.writeLog(log);
        return { log, model };
      }
    }
    log.status = 'done';
    log.wallSeconds = wallBase + (now() - runStart);
    await sink.writeLog(log);
    return { log, model };
  } catch (e) {
    // a failed write (full disk...) must not leave log.json saying 'running'; best effort, the disk may still be full
    if (!(e instanceof TrainingDiverged)) {
      log.status = 'failed';
      log.message = (e as Error).message;
      log.wallSeconds = wallBase + (now() - runStart);
      await sink.writeLog(log).catch(() => {});
    }
    throw e;
  } finally {
    opt.dispose();
  }
}
