// The experiment registry: `ifrlab experiment NAME` looks names up here.
import type { Experiment } from './common.ts';
import { quickStudy } from './quick-study.ts';
import { dynamics } from './dynamics.ts';

export const EXPERIMENTS: Record<string, Experiment<any, any>> = {
  [quickStudy.name]: quickStudy,
  [dynamics.name]: dynamics,
};

export * from './common.ts';
export { runExperiment } from './runner.ts';
