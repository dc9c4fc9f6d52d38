// The experiment registry: `ifrlab experiment NAME` looks names up here.
import type { Experiment } from './common.ts';
import { quickStudy } from './quick-study.ts';
import { dynamics } from './dynamics.ts';
import { fourierNorms, mnistSpectra, spectra, table1 } from './paper-tables.ts';
import { steganographyExperiment } from './steganography.ts';
import { implicitBiasExperiment } from './implicit-bias.ts';

/** Every experiment by name (what 'ifrlab experiment NAME' runs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of experiments with different config and result types
export const EXPERIMENTS: Record<string, Experiment<any, any>> = {
  [quickStudy.name]: quickStudy,
  [dynamics.name]: dynamics,
  [table1.name]: table1,
  [fourierNorms.name]: fourierNorms,
  [spectra.name]: spectra,
  [mnistSpectra.name]: mnistSpectra,
  [steganographyExperiment.name]: steganographyExperiment,
  [implicitBiasExperiment.name]: implicitBiasExperiment,
};

export * from './common.ts';
export { runExperiment } from './runner.ts';
