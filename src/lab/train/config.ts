// A complete TrainConfig from the few fields a caller cares about; the rest are the
// paper's settings (the same defaults as `ifrlab train`).
import type { TrainConfig } from './trainer.ts';
import { defaultLearningRate } from '../nn/models.ts';

/** The defaults of `ifrlab train`: the paper's settings (authors' code: SGD, momentum 0.9, no weight decay, x0.3 every 4 epochs). */
export const TRAIN_DEFAULTS = {
  epochs: 40, batchSize: 128, momentum: 0.9, weightDecay: 0, nesterov: false, schedule: 'step',
  seed: 0, checkpointEveryBatches: 0, normalize: false, evalBatchSize: 500,
} as const satisfies Omit<TrainConfig, 'model' | 'data' | 'lr'>;

/**
 * Fill in a TrainConfig: `model` and `data` are required, everything else defaults to
 * TRAIN_DEFAULTS, and `lr` to the model family's learning rate (paper Table 7).
 */
export function trainConfig(c: Partial<TrainConfig> & Pick<TrainConfig, 'model' | 'data'>): TrainConfig {
  return { ...TRAIN_DEFAULTS, lr: defaultLearningRate(c.model), ...c };
}
