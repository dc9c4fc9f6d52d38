// Training inside experiments goes through the project trainer (src/lab/train):
// checkpoints in OUT/<dir>/checkpoints, log.json, best epoch kept, and resume
// from the last checkpoint when an experiment is rerun after an interruption.
// The settings come from src/lab/train/paper-settings.ts (TrainingSettings).
import type { Classifier } from '../nn/types.ts';
import type { Dataset } from '../data/dataset.ts';
import { train, type TrainConfig, type TrainLog } from '../train/trainer.ts';
import type { TrainingSettings } from '../train/paper-settings.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import type { ExperimentContext } from './common.ts';

export interface RunTraining extends TrainingSettings {
  spec: string;
  lr: number;
  seed: number;
  checkpointEveryBatches?: number;
  /** Checkpoints kept on disk (TrainConfig.keep; default 'last': the newest, for resume, and the copy in best.safetensors). */
  keep?: TrainConfig['keep'];
}

/** Training stopped on a NaN/Inf loss (the caller may retry with a smaller learning rate). */
export class DivergedError extends Error {}

export interface TrainedRun {
  model: Classifier;
  log: TrainLog;
  /** Directory of the run (log.json, checkpoints/, best.safetensors). */
  dir: string;
  /** The checkpoint file the model was loaded from. */
  file: string;
}

/**
 * Train `r.spec` on `ds` into `dir` (relative to ctx.out), or return the log of a finished
 * run there, or resume an interrupted one. `discardWeights` deletes the checkpoints once
 * the run is done (accuracy-only experiments: only log.json stays).
 */
export async function trainedLog(
  ctx: ExperimentContext,
  dirName: string,
  ds: Dataset,
  r: RunTraining,
  discardWeights = false,
): Promise<{ log: TrainLog; dir: string }> {
  const sinkMod = await import('../platform/train-sink.ts');
  const dir = ctx.io.join(ctx.out, dirName);
  const cfg: TrainConfig = {
    model: r.spec,
    data: ds.name,
    seed: r.seed,
    epochs: r.epochs,
    batchSize: r.batchSize,
    lr: r.lr,
    momentum: r.momentum,
    weightDecay: r.weightDecay,
    nesterov: false,
    schedule: r.schedule,
    checkpointEveryBatches: r.checkpointEveryBatches ?? 0,
    normalize: false,
    limitTrain: r.trainLimit,
    limitTest: r.testLimit,
    evalBatchSize: 500,
    keep: r.keep ?? 'last',
  };
  const prev = await sinkMod.readTrainLog(dir);
  if (prev && prev.status === 'diverged') throw new DivergedError(`${r.spec} diverged earlier in ${dir} (lr ${r.lr})`);
  if (prev && prev.status === 'done') {
    ctx.log(`resume: ${r.spec} already trained in ${dir}`);
    return { log: prev, dir };
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
    backend: engine.backend.name,
    resume,
    stopRequested: ctx.stopRequested,
    progress: (p) =>
      ctx.progress(
        `train ${r.spec} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)} acc ${(100 * p.accuracy).toFixed(1)}%`,
        (p.epoch - 1) * p.batches + p.batch,
        p.epochs * p.batches,
      ),
    log: (line) => ctx.log(line),
  }).catch((e: unknown) => {
    if (e instanceof TrainingDiverged) throw new DivergedError(`${r.spec} diverged (lr ${r.lr}): ${e.message}`);
    throw e;
  });
  const { log, model } = res;
  (model as { dispose?: () => void }).dispose?.();
  if (log.status !== 'done')
    throw new Error(
      `training ${r.spec} stopped (${log.status}${log.message ? `: ${log.message}` : ''}); rerun to resume`,
    );
  if (discardWeights) await sinkMod.discardWeights(dir);
  return { log, dir };
}

/** trainedLog, then load the model: 'best' (the best test epoch, as the paper) or 'last'. */
export async function trainedRun(
  ctx: ExperimentContext,
  dirName: string,
  ds: Dataset,
  r: RunTraining,
  which: 'best' | 'last' = 'best',
): Promise<TrainedRun> {
  const sinkMod = await import('../platform/train-sink.ts');
  const { log, dir } = await trainedLog(ctx, dirName, ds, r);
  const file =
    which === 'best' && log.best
      ? ctx.io.join(dir, 'best.safetensors')
      : sinkMod.checkpointPath(dir, log.lastCheckpoint!);
  const { model } = await loadCheckpoint(file);
  return { model, log, dir, file };
}
