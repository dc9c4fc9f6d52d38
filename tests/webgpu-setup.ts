// Shared by the tests/webgpu-*.test.ts files: embed the WGSL, start the backend
// once, and decide whether to skip (no adapter, locally) or fail (CI set).
import { execFileSync } from 'node:child_process';
import type { Backend } from '../src/engine/backends/backend.ts';

execFileSync(process.execPath, ['shaders/embed.mjs', '--quiet'], { cwd: new URL('..', import.meta.url) });
const mod = await import('../src/engine/backends/webgpu/index.ts');

export type GPUBackend = InstanceType<typeof mod.WebGPUBackend>;
export let gpu: GPUBackend | null = null;
export let skipReason = '';
try {
  gpu = (await mod.createWebGPUBackend()) as GPUBackend;
} catch (e) {
  skipReason = (e as Error).message;
}
if (!gpu) {
  if (process.env.CI)
    throw new Error(
      `CI is set but the WebGPU backend could not start (did scripts/webgpu-setup.sh run?): ${skipReason}`,
    );
  console.warn(`[webgpu tests skipped] ${skipReason}`);
}

/** max |a - b| / max(1, max |b|): an error relative to the scale of the expected values. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0,
    s = 1;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (!Number.isNaN(d)) m = Math.max(m, d);
  }
  return m / s;
}

export type { Backend };
