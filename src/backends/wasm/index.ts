// Placeholder until the WASM backend lands: it reports itself unavailable.
import type { Backend } from '../backend.ts';
export async function createWasmBackend(): Promise<Backend> {
  throw new Error('the wasm backend is not built yet');
}
