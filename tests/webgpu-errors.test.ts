// Clear errors: oversized buffers, synchronous reads, foreign buffers, and a
// lost device (destroyed here, so this file runs in its own process: vitest's
// forks pool gives every test file one). Every message names the way out:
// setBackend('wasm').
import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../src/backends/reference/index.ts';
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
