// ifrlab/lab: the laboratory built on the engine. Data sets, the model zoo, the
// trainer, checkpoints, every attack, every analysis and every experiment.
// Platform-free except src/lab/files.ts and the path-based checkpoint functions,
// which load node:fs lazily on first call. Reference: docs/api.md.

// the backend registry sets the reference backend, so 'ifrlab/lab' alone is usable at once
import '../engine/backends/registry.ts';

// data: CIFAR-10/100 and (Fashion-)MNIST readers, synthetic data, steganography, batching
export * from './data/dataset.ts';
export * from './data/registry.ts';
export * from './data/synthetic.ts';
export * from './data/steganography.ts';
export * from './data/batches.ts';
export * from './data/formats.ts';
export { decodePng, type Image } from './data/png.ts';
export { untar } from './data/archive.ts';

// models: the zoo behind the Classifier contract
export type { Classifier, ForwardContext } from './nn/types.ts';
export * from './nn/models.ts';

// training
export * from './train/trainer.ts';
export * from './train/paper-settings.ts';
export * from './train/config.ts';
export * from './train/memory-sink.ts';
export * from './train/optim.ts';
export * from './train/schedule.ts';
export * from './train/curve.ts';

// checkpoints and safetensors
export * from './io/safetensors.ts';
export * from './io/checkpoint.ts';

// files on disk (Node and Deno; loaded lazily)
export * from './files.ts';

// attacks: PGD / FGSM / FGM, Brendel-Bethge, minimal-norm search, the random control, named presets
export * from './attacks/index.ts';

// analyses: spectra, radial/angular energy, Fourier norms, saliency, Spearman, path observables
export * from './analysis/index.ts';

// experiments: one per paper table or figure (EXPERIMENTS by name, runExperiment to run one, planExperiment to size one)
export * from './experiments/index.ts';
export { quickStudy as quickStudyExperiment, quickStudyConfig } from './experiments/quick-study.ts';
export {
  dynamics as dynamicsExperiment,
  dynamicsConfig,
  runDynamics,
  dynamicsFigures,
  dynamicsMarkdown,
  type DynamicsConfig,
  type DynamicsResult,
  type CheckpointStats,
} from './experiments/dynamics.ts';
export {
  table1 as table1Experiment,
  fourierNorms as fourierNormsExperiment,
  spectra as spectraExperiment,
  mnistSpectra as mnistSpectraExperiment,
  familySpec,
} from './experiments/paper-tables.ts';
export {
  steganographyExperiment,
  stegoConfig,
  type StegoConfig,
  type StegoResult,
} from './experiments/steganography.ts';
export {
  runModelStudy,
  studyFigures,
  studyTables,
  type ModelEntry,
  type AttackEntry,
  type ModelStudyConfig,
  type ModelStudyModel,
  type ModelStudyResult,
} from './experiments/model-study.ts';
export {
  analyseModel,
  fourierStatistics,
  type Batch,
  type FourierAnalysis,
  type NormStats,
} from './experiments/pipeline.ts';
export { TABLE1, TABLE2, TABLE3, TABLE4, TABLE6, paperKey, type NormRow } from './experiments/paper.ts';
export { implicitBiasExperiment, implicitBiasConfig, type ImplicitBiasSummary } from './experiments/implicit-bias.ts';
export { planExperiment, planText, measureThroughput, type Plan, type PlanRow } from './experiments/plan.ts';

// statistics of the reproduction report: bootstrap intervals over seeds and images, verdicts
export * from './stats/index.ts';

// the implicit-bias theory (linear nets of each family vs their max-margin limits), as one namespace
export * as theory from './theory/index.ts';

// reports: SVG figures and Markdown
export * from './report/svg.ts';
export * from './report/markdown.ts';
export * from './report/collect.ts';
export {
  attackReport,
  examplesPng,
  spectrumSvg,
  successCurve,
  type AttackCurvePoint,
  type AttackReportInput,
} from './report/attack.ts';
export { encodePng } from './report/png.ts';
export { reproductionPage, type ReproductionPage, type RunInput } from './report/reproduction.ts';
