// Deno: a smaller parity check of the WebGPU backend on Deno's built-in
// navigator.gpu (wgpu; llvmpipe on a GPU-less machine) against the reference
// backend. Run from the repository root:
//   node shaders/embed.mjs && npx deno test -A --no-check tests/deno/
// Without an adapter it fails when CI is set and is ignored otherwise.
import type { Backend } from '../../src/engine/backends/backend.ts';
import { createWebGPUBackend } from '../../src/engine/backends/webgpu/index.ts';
import { parityCases } from './parity-cases.ts';

declare const Deno: {
  test(opts: { name: string; ignore?: boolean; fn: () => Promise<void> }): void;
  env: { get(k: string): string | undefined };
};

let gpu: Backend | null = null;
let why = '';
try {
  gpu = await createWebGPUBackend();
} catch (e) {
  why = (e as Error).message;
}
if (!gpu) {
  if (Deno.env.get('CI')) throw new Error(`CI is set but WebGPU did not start under Deno: ${why}`);
  console.warn(`[deno webgpu tests ignored] ${why}`);
} else console.log(`webgpu adapter: ${(gpu as unknown as { adapterInfo: string }).adapterInfo}`);

if (gpu) for (const [name, fn] of parityCases(gpu)) Deno.test({ name: `webgpu (deno) ${name}`, fn });
else Deno.test({ name: 'webgpu (deno): no adapter', ignore: true, fn: async () => {} });
