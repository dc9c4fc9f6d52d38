// Build entry point of the AssemblyScript kernels (asconfig.json). The kernels live beside
// the backend that runs them, in src/engine/backends/wasm/kernels/.
export * from '../src/engine/backends/wasm/kernels/matmul';
export * from '../src/engine/backends/wasm/kernels/conv';
export * from '../src/engine/backends/wasm/kernels/local';
export * from '../src/engine/backends/wasm/kernels/fft';
export * from '../src/engine/backends/wasm/kernels/elementwise';
export * from '../src/engine/backends/wasm/kernels/reduce';
export * from '../src/engine/backends/wasm/kernels/softmax';
export * from '../src/engine/backends/wasm/kernels/layout';
