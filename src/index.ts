// ifrlab: the public API of the engine (platform-independent; no Node imports).
export { Tensor, tidy, tidyAsync, keep, noGrad, memory, engine } from './engine/tensor.ts';
export type { GradHook, GradNode } from './engine/tensor.ts';
export * from './engine/ops/creation.ts';
export * from './engine/ops/elementwise.ts';
export * from './engine/ops/reduce.ts';
export * from './engine/ops/layout.ts';
export * from './engine/ops/linalg.ts';
export * from './engine/ops/nn.ts';
export * from './engine/ops/fft.ts';
export * from './engine/autograd/backward.ts';
export { ShapeError } from './engine/core/shape.ts';
export { uniformArray, normalArray, permutation } from './engine/core/random.ts';
export { setBackend, getBackend, setFastestBackend, registerBackend, availableBackends, float64Backend } from './engine/backends/registry.ts';
export type { BackendName, BackendAttempt } from './engine/backends/registry.ts';
export type { Backend, Buffer, ConvParams, CircConvParams, MatmulParams } from './engine/backends/backend.ts';
export { ReferenceBackend } from './engine/backends/reference/index.ts';
