// The implicit-bias theory lab (docs/theory.md): linear networks of each family
// trained by gradient descent on separable data, against the max-margin limits
// their parametrization predicts. Exported from 'ifrlab/lab' as `theory`.
export * from './implicit-bias.ts';
export * from './solvers.ts';
export * from './nets.ts';
export * from './linalg.ts';
