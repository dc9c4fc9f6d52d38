// Browser entry for tests/webgpu-browser.test.ts (bundled with esbuild): run the
// shared parity cases on the page's navigator.gpu and publish the outcome on
// window.__webgpuParity for the test to read.
import { createWebGPUBackend } from '../../src/engine/backends/webgpu/index.ts';
import { parityCases } from './parity-cases.ts';

interface Outcome {
  adapter: string;
  error: string;
  results: { name: string; ok: boolean; ms: number; error?: string }[];
  done: boolean;
}
const out: Outcome = { adapter: '', error: '', results: [], done: false };
(globalThis as unknown as { __webgpuParity: Outcome }).__webgpuParity = out;

try {
  const gpu = await createWebGPUBackend();
  out.adapter = (gpu as unknown as { adapterInfo: string }).adapterInfo;
  for (const [name, fn] of parityCases(gpu)) {
    const t0 = performance.now();
    try {
      await fn();
      out.results.push({ name, ok: true, ms: performance.now() - t0 });
    } catch (e) {
      out.results.push({ name, ok: false, ms: performance.now() - t0, error: String((e as Error).message ?? e) });
    }
  }
} catch (e) {
  out.error = String((e as Error).message ?? e);
}
out.done = true;
