// Clear errors: oversized buffers, synchronous reads, foreign buffers, and a
// lost device (destroyed here, so this file runs in its own process: vitest's
// forks pool gives every test file one). Every message names the way out:
// setBackend('wasm').
import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../src/engine/backends/reference/index.ts';
import { gpu, skipReason } from './webgpu-setup.ts';

const d = gpu ? describe : describe.skip;

d(`webgpu errors ${gpu ? '' : `(skipped: ${skipReason})`}`, () => {
  it('names the limit when a buffer is larger than the adapter allows', () => {
    const g = gpu!;
    const limit = g.device.limits.maxStorageBufferBindingSize;
    expect(() => g.fill(Math.floor(limit / 4) + 1, 0)).toThrow(/storage binding limit.*setBackend\('wasm'\)/);
    expect(g.memory().buffers).toBe(0);
  });

  it('refuses synchronous reads and buffers from another backend', () => {
    const g = gpu!;
    expect(() => g.readSync(g.fill(3, 1))).toThrow(/asynchronous.*await/);
    const foreign = new ReferenceBackend().fill(3, 1);
    expect(() => g.unary('neg', foreign)).toThrow(/another backend/);
  });

  it('names an out-of-memory error from the device on the next call', () => {
    const g = gpu!;
    const b = g.fill(4, 1);
    // what Dawn delivers when an allocation fails on the GPU (simulated: a real one needs a full GPU)
    class GPUOutOfMemoryError {
      constructor(readonly message: string) {}
    }
    g.device.onuncapturederror!({
      error: new GPUOutOfMemoryError('Allocation failed'),
    } as unknown as GPUUncapturedErrorEvent);
    expect(() => g.unary('neg', b)).toThrow(/ran out of memory.*tidy\/dispose.*setBackend\('wasm'\)/);
    (g as unknown as { errorMessage: string | null }).errorMessage = null; // let the next test use the device
    g.dispose(b);
  });

  it('reports a lost device clearly on the next call', async () => {
    const g = gpu!;
    const b = g.fill(10, 2);
    expect(Array.from(await g.read(b))).toEqual(new Array(10).fill(2));
    g.device.destroy();
    await g.device.lost;
    expect(() => g.unary('neg', b)).toThrow(/device was lost.*setBackend\('wasm'\)/);
    await expect(g.read(b)).rejects.toThrow(/device was lost/);
  });
});
