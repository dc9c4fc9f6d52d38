// Placeholder until the WebGPU backend lands: it reports itself unavailable.
import type { Backend } from '../backend.ts';
export async function createWebGPUBackend(): Promise<Backend> {
  throw new Error('the webgpu backend is not built yet');
}
