// The paper's training and evaluation settings, in one place (every experiment,
// `ifrlab train` and the web lab read them from here).
// Sources: the paper's Appendix B.3 (Tables 7 and 9: learning rate per family,
// batch 128 on CIFAR-10, 100 on MNIST, "at least 40 epochs", best epoch kept) and
// the authors' code for what the text leaves open (SGD momentum 0.9, no weight
// decay, no input normalisation, lr x0.3 every 4 epochs); see ../shared/paper/NOTES.md.

/** The training fields an experiment config carries (flat, so `--set epochs=6` reaches them). */
export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  /** Trainer schedule string (src/lab/train/schedule.ts). */
  schedule: string;
  /** Training / test examples used (all when absent: the paper). */
  trainLimit?: number;
  testLimit?: number;
}

/** The paper's training settings (authors' code): 40 epochs, batch 128, momentum 0.9, no weight decay, x0.3 every 4 epochs. */
export const PAPER_TRAINING: Readonly<Required<Omit<TrainingSettings, 'trainLimit' | 'testLimit'>>> = Object.freeze({
  epochs: 40,
  batchSize: 128,
  momentum: 0.9,
  weightDecay: 0,
  schedule: 'step:0.3:4',
});

/** MNIST (Table 9): batch 100, otherwise the CIFAR-10 settings. */
export const PAPER_MNIST_BATCH = 100;

/** What the paper attacks and how hard (Appendix B.4, Table 10; NOTES.md). */
export const PAPER_EVALUATION = Object.freeze({
  /** The first 2,000 test images are attacked. */
  attackImages: 2000,
  /** PGD steps for every norm. */
  pgdSteps: 1000,
  /** Learning dynamics: the first 100 training images at every checkpoint. */
  dynamicsImages: 100,
  /** Learning dynamics: a checkpoint every 30 batches in the first epochs (the authors' code), then per epoch. */
  dynamicsCheckpointEvery: 30,
  dynamicsDenseEpochs: 2,
});

/**
 * Seeds per training-dependent number (issue 17): at least 5 for models that train
 * in under 20 minutes on this machine, at least 3 for the others.
 */
export const PAPER_SEEDS = Object.freeze({ fast: 5, slow: 3 });

// The learning rate per model (Table 7) is each family's entry in MODEL_FAMILIES: defaultLearningRate.

/** The paper's settings, or a reduced run with some fields replaced (quick scale, tests). */
export function trainingSettings(
  scale: 'quick' | 'paper',
  quick: Partial<TrainingSettings> = {},
  data = 'cifar10',
): TrainingSettings {
  const base: TrainingSettings = {
    ...PAPER_TRAINING,
    batchSize: data.startsWith('mnist') ? PAPER_MNIST_BATCH : PAPER_TRAINING.batchSize,
  };
  return scale === 'paper' ? base : { ...base, ...quick };
}

/** Which settings of a config differ from the paper's (empty = the paper's configuration). */
export function differencesFromPaper(t: TrainingSettings, data = 'cifar10'): string[] {
  const want = trainingSettings('paper', {}, data);
  const out: string[] = [];
  for (const k of Object.keys(want) as (keyof TrainingSettings)[])
    if (t[k] !== want[k]) out.push(`${k} ${String(t[k])} (paper ${String(want[k])})`);
  if (t.trainLimit !== undefined) out.push(`trainLimit ${t.trainLimit} (paper: the full training set)`);
  if (t.testLimit !== undefined) out.push(`testLimit ${t.testLimit} (paper: the full test set)`);
  return out;
}
