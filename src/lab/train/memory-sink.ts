// A TrainSink that keeps checkpoints and the log in memory: training without a file
// system (browsers, notebooks, tests). Checkpoints are the same bytes the directory
// sink writes, so they can be saved later or rebuilt with decodeCheckpoint.
import { encodeCheckpoint, type EncodedCheckpoint } from '../io/checkpoint.ts';
import type { TrainLog, TrainSink } from './trainer.ts';

/** A TrainSink that keeps everything in memory (see memorySink). */
export interface MemorySink extends TrainSink {
  /** Encoded checkpoints by name ('epoch-003', 'best', ...). */
  readonly checkpoints: Map<string, EncodedCheckpoint>;
  /** The last log written, or null before the first checkpoint. */
  readonly log: TrainLog | null;
}

/** An in-memory TrainSink for train(). */
export function memorySink(): MemorySink {
  const checkpoints = new Map<string, EncodedCheckpoint>();
  let log: TrainLog | null = null;
  return {
    checkpoints,
    get log() {
      return log;
    },
    async saveCheckpoint(name, model, meta, velocity) {
      checkpoints.set(name, await encodeCheckpoint(model, meta, velocity));
    },
    async dropOptimizerState(name) {
      const c = checkpoints.get(name);
      if (c) checkpoints.set(name, { weights: c.weights, meta: c.meta });
    },
    async markBest(name) {
      const c = checkpoints.get(name);
      if (!c) throw new Error(`memorySink: no checkpoint '${name}' to mark as best`);
      checkpoints.set('best', { weights: c.weights, meta: c.meta });
    },
    async writeLog(l) {
      log = structuredClone(l);
    },
  };
}
