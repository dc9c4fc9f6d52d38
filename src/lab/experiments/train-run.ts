// Training inside experiments goes through the project trainer (src/lab/train):
// checkpoints in OUT/<dir>/checkpoints, log.json, best epoch kept, and resume
// from the last checkpoint when an experiment is rerun after an interruption.
import type { Classifier } from '../nn/types.ts';
import type { Dataset } from '../data/dataset.ts';
import { train, type TrainConfig, type TrainLog } from '../train/trainer.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import type { ExperimentContext } from './common.ts';

export interface RunTraining {
  spec: string;
  lr: number;
  epochs: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  /** Trainer schedule string: 'step:0.3:4' (authors' code), 'constant', 'linear-reset'. */
  schedule: string;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
  checkpointEveryBatches?: number;
}

/** Training stopped on a NaN/Inf loss (the caller may retry with a smaller learning rate). */
export class DivergedError extends Error {}

export interface TrainedRun {
  model: Classifier;
  log: TrainLog;
  /** Directory of the run (log.json, checkpoints/, best.safetensors). */
  dir: string;
}

/**
 * Train `r.spec` on `ds` into `dir` (relative to ctx.out), or load it when a
 * finished run is there, or resume an interrupted one. `which` picks the model
 * returned: 'best' (the best test epoch, as the paper) or 'last'.
 */
export async function trainedRun(ctx: ExperimentContext, dirName: string, ds: Dataset, r: RunTraining, which: 'best' | 'last' = 'best'): Promise<TrainedRun> {
  const sinkMod = await import('../platform/train-sink.ts');
  const dir = ctx.io.join(ctx.out, dirName);
  const cfg: TrainConfig = {
    model: r.spec, data: ds.name, seed: r.seed, epochs: r.epochs, batchSize: r.batchSize, lr: r.lr, momentum: r.momentum,
    weightDecay: r.weightDecay, nesterov: false, schedule: r.schedule, checkpointEveryBatches: r.checkpointEveryBatches ?? 0,
    normalize: false, limitTrain: r.trainLimit, limitTest: r.testLimit, evalBatchSize: 500,
  };
  const prev = await sinkMod.readTrainLog(dir);
  const pick = async (log: TrainLog): Promise<TrainedRun> => {
    const name = which === 'best' && log.best ? log.best.checkpoint : log.lastCheckpoint!;
    const { model } = await loadCheckpoint(sinkMod.checkpointPath(dir, name));
    return { model, log, dir };
  };
  if (prev && prev.status === 'diverged') throw new DivergedError(`${r.spec} diverged earlier in ${dir} (lr ${r.lr})`);
  if (prev && prev.status === 'done') {
    ctx.log(`resume: ${r.spec} already trained in ${dir}`);
    return pick(prev);
  }
  let resume;
  // the newest complete checkpoint (log.json may lag one save behind after a kill)
  const point = prev ? await sinkMod.findResumePoint(dir) : null;
  if (point) {
    ctx.log(`resume: ${r.spec} continues from ${point.name} in ${dir}`);
    resume = await loadCheckpoint(point.path, { optimizer: true });
  }
  const { engine } = await import('../../engine/tensor.ts');
  const { TrainingDiverged } = await import('../train/trainer.ts');
  const res = await train(ds, cfg, sinkMod.dirSink(dir), {
    backend: engine.backend.name, resume,
    progress: (p) => ctx.progress(`train ${r.spec} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)} acc ${(100 * p.accuracy).toFixed(1)}%`, (p.epoch - 1) * p.batches + p.batch, p.epochs * p.batches),
    log: (line) => ctx.log(line),
  }).catch((e: unknown) => {
    if (e instanceof TrainingDiverged) throw new DivergedError(`${r.spec} diverged (lr ${r.lr}): ${e.message}`);
    throw e;
  });
  const { log, model } = res;
  (model as { dispose?: () => void }).dispose?.();
  if (log.status !== 'done') throw new Error(`training ${r.spec} stopped (${log.status}${log.message ? `: ${log.message}` : ''}); rerun to resume`);
  return pick(log);
}

/** The trainer's schedule string for 'x decay every n epochs' (constant when decay is 1 or n is 0). */
export function stepSchedule(decay: number, every: number): string {
  return decay === 1 || !every ? 'constant' : `step:${decay}:${every}`;
}
