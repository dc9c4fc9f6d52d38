// ifrlab/engine: the tensor engine (tensors, every op with its gradient, autodiff,
// backends). Platform-independent: no Node import is loaded until a backend that
// needs one (WASM threads under Node, WebGPU through Dawn) is selected.
export { Tensor, tidy, tidyAsync, keep, noGrad, memory, engine } from './tensor.ts';
export type { GradHook, GradNode } from './tensor.ts';
export * from './ops/creation.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/layout.ts';
export * from './ops/linalg.ts';
export * from './ops/nn.ts';
export * from './ops/fft.ts';
export * from './autograd/backward.ts';
export { ShapeError } from './core/shape.ts';
export { uniformArray, normalArray, permutation } from './core/random.ts';
export {
  setBackend,
  getBackend,
  setFastestBackend,
  registerBackend,
  availableBackends,
  float64Backend,
} from './backends/registry.ts';
export type { BackendName, BackendAttempt } from './backends/registry.ts';
export type { Backend, Buffer, ConvParams, CircConvParams, MatmulParams } from './backends/backend.ts';
export { ReferenceBackend } from './backends/reference/index.ts';
