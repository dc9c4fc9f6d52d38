// Analyses of adversarial perturbations and saliency maps (see README, 'Analyses and experiments').
export * from './fourier.ts';
export * from './stats.ts';
export * from './saliency.ts';
export * from './dynamics.ts';
export * from './fourier-map.ts';
