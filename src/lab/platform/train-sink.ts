// Writes a training run to a directory (Node and Deno):
//   DIR/log.json                      the TrainLog (rewritten after every checkpoint)
//   DIR/curve.svg                     its learning curve (rewritten with the log)
//   DIR/checkpoints/NAME.safetensors  weights (+ NAME.json sidecar; NAME.optim.safetensors for the newest)
//   DIR/best.safetensors, best.json   a copy of the best epoch so far
// Every file is written atomically (temporary file, fsync, rename; see fs.ts). The trainer saves a
// checkpoint (weights, optimiser state, then the sidecar that marks it complete), then the log, and
// only then drops the previous checkpoint's optimiser state, so a SIGKILL at any moment leaves a
// complete checkpoint with optimiser state; findResumePoint picks the newest one even when log.json lags.
import { join } from 'node:path';
import { saveCheckpoint } from '../io/checkpoint.ts';
import type { TrainLog, TrainSink } from '../train/trainer.ts';
import { learningCurveSvg, runLabel } from '../train/curve.ts';
import { copyFile, readText, removeFile, writeBytes, fileExists, listDir, fileSize } from './fs.ts';

export function dirSink(dir: string): TrainSink {
  const ck = (name: string): string => join(dir, 'checkpoints', name);
  return {
    async saveCheckpoint(name, model, meta, velocity) {
      await saveCheckpoint(`${ck(name)}.safetensors`, model, meta, velocity);
    },
    async dropOptimizerState(name) {
      await removeFile(`${ck(name)}.optim.safetensors`);
    },
    async markBest(name) {
      await copyFile(`${ck(name)}.safetensors`, join(dir, 'best.safetensors'));
      await copyFile(`${ck(name)}.json`, join(dir, 'best.json'));
    },
    async deleteCheckpoint(name) {
      for (const ext of ['.safetensors', '.json', '.optim.safetensors']) await removeFile(`${ck(name)}${ext}`);
    },
    async writeLog(log) {
      await writeBytes(join(dir, 'log.json'), JSON.stringify(log, null, 2));
      await writeBytes(join(dir, 'curve.svg'), learningCurveSvg([{ label: runLabel(log), log }]));
    },
  };
}

export async function readTrainLog(dir: string): Promise<TrainLog | null> {
  const p = join(dir, 'log.json');
  if (!fileExists(p)) return null;
  return JSON.parse(await readText(p)) as TrainLog;
}

/**
 * The newest complete checkpoint in DIR/checkpoints that can be resumed from: its sidecar parses and
 * embeds the training log, its weights and optimiser state are there, and it belongs to the run of
 * log.json (same runId). Ordered by (epoch, batch), not by log.json's lastCheckpoint, which a kill
 * may have left one save behind.
 */
export async function findResumePoint(
  dir: string,
): Promise<{ name: string; path: string; epoch: number; batch: number } | null> {
  const cdir = join(dir, 'checkpoints');
  // checkpoints of an older run in the same folder (a fresh run started over it) are not this run's
  let runId: string | undefined;
  try {
    runId = (await readTrainLog(dir))?.runId;
  } catch {
    /* an unreadable log.json: no filter */
  }
  const found: { name: string; path: string; epoch: number; batch: number }[] = [];
  for (const f of await listDir(cdir)) {
    const m = /^(.*)\.json$/.exec(f);
    if (!m) continue;
    const name = m[1];
    let meta: { format?: string; epoch?: number; batchInEpoch?: number; log?: { runId?: string } };
    try {
      meta = JSON.parse(await readText(join(cdir, f)));
    } catch {
      continue;
    }
    if (!meta || meta.format !== 'ifrlab-checkpoint' || !meta.log || typeof meta.epoch !== 'number') continue;
    if (runId && meta.log.runId !== runId) continue;
    if (
      !(await fileSize(join(cdir, `${name}.safetensors`))) ||
      !(await fileSize(join(cdir, `${name}.optim.safetensors`)))
    )
      continue;
    found.push({ name, path: checkpointPath(dir, name), epoch: meta.epoch, batch: meta.batchInEpoch ?? 0 });
  }
  found.sort((a, b) => b.epoch - a.epoch || b.batch - a.batch);
  return found[0] ?? null;
}

/** Delete a finished run's weights (checkpoints/ and best.*), keeping log.json and curve.svg. */
export async function discardWeights(dir: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(join(dir, 'checkpoints'), { recursive: true, force: true });
  for (const f of ['best.safetensors', 'best.json']) await removeFile(join(dir, f));
}

export const checkpointPath = (dir: string, name: string): string => join(dir, 'checkpoints', `${name}.safetensors`);
