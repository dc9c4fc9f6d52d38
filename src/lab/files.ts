// The lab's file-system entry points for Node and Deno. They load src/lab/platform
// (node:fs, node:path) on first call, so importing the lab stays safe in a browser;
// there, use the byte-level functions (loadDataset with a reader, decodeCheckpoint,
// memorySink) instead.
import type { Dataset } from './data/dataset.ts';
import type { Verify } from './data/registry.ts';
import type { TrainLog, TrainSink } from './train/trainer.ts';

/**
 * Load a data set by name from the data directory: `dataDir`, else $IFRLAB_DATA,
 * else ./data. Synthetic names ('synthetic:train=2000') need no files; a missing
 * file says how to fetch it (`ifrlab data fetch NAME`).
 */
export async function loadDatasetFromDisk(name: string, dataDir?: string, verify: Verify = 'full'): Promise<Dataset> {
  return (await import('./platform/data.ts')).loadDatasetFromDisk(name, dataDir, verify);
}

/** The data directory a name resolves to: `flag`, else $IFRLAB_DATA, else ./data. */
export async function resolveDataDir(flag?: string): Promise<string> {
  return (await import('./platform/fs.ts')).resolveDataDir(flag);
}

/**
 * A TrainSink writing a run to a directory, as `ifrlab train --out DIR` does:
 * DIR/log.json, DIR/curve.svg, DIR/checkpoints/, DIR/best.safetensors.
 */
export function dirSink(dir: string): TrainSink {
  let sink: Promise<TrainSink> | undefined;
  const real = (): Promise<TrainSink> => (sink ??= import('./platform/train-sink.ts').then((m) => m.dirSink(dir)));
  return {
    saveCheckpoint: async (...a) => (await real()).saveCheckpoint(...a),
    dropOptimizerState: async (...a) => (await real()).dropOptimizerState(...a),
    markBest: async (...a) => (await real()).markBest(...a),
    writeLog: async (...a) => (await real()).writeLog(...a),
  };
}

/** The log.json of a training run directory, or null when there is none. */
export async function readTrainLog(dir: string): Promise<TrainLog | null> {
  return (await import('./platform/train-sink.ts')).readTrainLog(dir);
}
