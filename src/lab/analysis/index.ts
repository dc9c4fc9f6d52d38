// Analyses of adversarial perturbations and saliency maps (see docs/experiments.md).
export * from './fourier.ts';
export * from './stats.ts';
export * from './saliency.ts';
export * from './dynamics.ts';
export * from './fourier-map.ts';
