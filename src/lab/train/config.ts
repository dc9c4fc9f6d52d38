// A complete TrainConfig from the few fields a caller cares about; the training
// settings come from the paper's (paper-settings.ts), the rest are the defaults of
// `ifrlab train`.
import type { TrainConfig } from './trainer.ts';
import { defaultLearningRate } from '../nn/models.ts';
import { PAPER_TRAINING } from './paper-settings.ts';

/** The defaults of `ifrlab train`: PAPER_TRAINING plus seed 0, no Nesterov, no normalisation, epoch-end checkpoints. */
export const TRAIN_DEFAULTS: Omit<TrainConfig, 'model' | 'data' | 'lr'> = Object.freeze({
  ...PAPER_TRAINING,
  nesterov: false,
  seed: 0,
  checkpointEveryBatches: 0,
  normalize: false,
  evalBatchSize: 500,
});

/**
 * Fill in a TrainConfig: `model` and `data` are required, everything else defaults to
 * TRAIN_DEFAULTS, and `lr` to the model family's learning rate (paper Table 7).
 */
export function trainConfig(c: Partial<TrainConfig> & Pick<TrainConfig, 'model' | 'data'>): TrainConfig {
  return { ...TRAIN_DEFAULTS, lr: defaultLearningRate(c.model), ...c };
}
