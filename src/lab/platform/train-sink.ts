// Writes a training run to a directory (Node and Deno):
//   DIR/log.json                      the TrainLog (rewritten after every checkpoint)
//   DIR/curve.svg                     its learning curve (rewritten with the log)
//   DIR/checkpoints/NAME.safetensors  weights (+ NAME.json sidecar; NAME.optim.safetensors for the newest)
//   DIR/best.safetensors, best.json   a copy of the best epoch so far
import { join } from 'node:path';
import { saveCheckpoint } from '../io/checkpoint.ts';
import type { TrainLog, TrainSink } from '../train/trainer.ts';
import { learningCurveSvg, runLabel } from '../train/curve.ts';
import { copyFile, readText, removeFile, writeBytes, fileExists } from './fs.ts';

export function dirSink(dir: string): TrainSink {
  const ck = (name: string): string => join(dir, 'checkpoints', name);
  return {
    async saveCheckpoint(name, model, meta, velocity) { await saveCheckpoint(`${ck(name)}.safetensors`, model, meta, velocity); },
    async dropOptimizerState(name) { await removeFile(`${ck(name)}.optim.safetensors`); },
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

/** Delete a finished run's weights (checkpoints/ and best.*), keeping log.json and curve.svg. */
export async function discardWeights(dir: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(join(dir, 'checkpoints'), { recursive: true, force: true });
  for (const f of ['best.safetensors', 'best.json']) await removeFile(join(dir, f));
}

export const checkpointPath = (dir: string, name: string): string => join(dir, 'checkpoints', `${name}.safetensors`);
