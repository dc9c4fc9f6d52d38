// The WASM backend's block allocator (src/engine/backends/wasm/heap.ts): blocks never overlap,
// freed neighbours merge and are reused by other sizes, and the high-water mark of a repeated
// step with changing sizes stays at what one step needs.
import { describe, expect, test } from 'vitest';
import { Heap } from '../src/engine/backends/wasm/heap.ts';
import { createWasmBackend } from '../src/engine/backends/wasm/index.ts';
import { uniformArray } from '../src/engine/core/random.ts';

const BASE = 1024;

describe('wasm heap', () => {
  test('freed neighbours merge and serve a larger block; freeing the last block lowers the top', () => {
    const h = new Heap(BASE);
    const a = h.alloc(64),
      b = h.alloc(128),
      c = h.alloc(256),
      d = h.alloc(32);
    expect([a, b, c, d]).toEqual([BASE, BASE + 64, BASE + 192, BASE + 448]);
    h.free(a, 64);
    h.free(c, 256);
    expect(h.freeBlocks()).toEqual([
      [BASE, 64],
      [BASE + 192, 256],
    ]);
    h.free(b, 128); // a, b and c merge into one block of 448
    expect(h.freeBlocks()).toEqual([[BASE, 448]]);
    expect(h.alloc(400)).toBe(BASE); // a size no class list held is served from the merged block
    expect(h.freeBlocks()).toEqual([[BASE + 400, 48]]);
    expect(h.alloc(48)).toBe(BASE + 400); // exact fit takes the remainder
    h.free(d, 32);
    expect(h.top).toBe(BASE + 448);
    expect(h.high).toBe(BASE + 480);
    expect([h.used, h.peakUsed]).toEqual([448, 480]);
  });

  test('best fit: the smallest block that fits is used', () => {
    const h = new Heap(BASE);
    const p = [h.alloc(512), h.alloc(16), h.alloc(128), h.alloc(16), h.alloc(256), h.alloc(16)];
    h.free(p[0], 512);
    h.free(p[2], 128);
    h.free(p[4], 256);
    expect(h.alloc(200)).toBe(p[4]);
    expect(h.alloc(100)).toBe(p[2]);
    expect(h.alloc(500)).toBe(p[0]);
    expect(h.top).toBe(p[5] + 16);
  });

  test('random alloc/free: no two live blocks overlap, everything freed returns the top to the base', () => {
    const h = new Heap(BASE),
      u = uniformArray(4000, 7);
    const live: [number, number][] = [];
    for (let i = 0; i < 2000; i++) {
      if (live.length && u[2 * i] < 0.45) {
        const [p, s] = live.splice(Math.floor(u[2 * i + 1] * live.length), 1)[0];
        h.free(p, s);
      } else {
        const s = 16 * (1 + Math.floor(u[2 * i + 1] * 64));
        const p = h.alloc(s);
        expect(
          live.filter(([q, t]) => !(p + s <= q || q + t <= p)),
          `block ${p}+${s} overlaps`,
        ).toEqual([]);
        live.push([p, s]);
      }
      const used = live.reduce((a, [, s]) => a + s, 0),
        free = h.freeBlocks().reduce((a, [, s]) => a + s, 0);
      expect(BASE + used + free).toBe(h.top); // every byte below the top is either live or free
    }
    for (const [p, s] of live) h.free(p, s);
    expect(h.top).toBe(BASE);
    expect(h.freeBlocks()).toEqual([]);
  });

  test('a step whose temporaries change size reuses memory: the high-water mark is that of one step', () => {
    // Per-size free lists would keep every size ever used (sum 16+32+...); merging keeps one step's worth.
    const h = new Heap(BASE);
    const keep = h.alloc(4096);
    for (let step = 0; step < 50; step++) {
      const s = 16 * (1 + (step % 37)) * 64;
      const a = h.alloc(s),
        b = h.alloc(2 * s);
      h.free(a, s);
      h.free(b, 2 * s);
    }
    expect(h.high).toBe(BASE + 4096 + 3 * 16 * 37 * 64);
    h.free(keep, 4096);
  });

  test('backend: a loop over buffer sizes that changes every iteration does not grow the heap', async () => {
    const be = await createWasmBackend({ threads: 1 });
    const run = (k: number) => {
      const a = be.fill(1000 + 137 * k, 1),
        b = be.fill(2000 + 311 * k, 2);
      const c = be.unary('exp', a);
      const s = be.readSync(c)[0];
      [a, b, c].forEach((x) => be.dispose(x));
      return s;
    };
    for (let k = 20; k < 30; k++) run(k);
    const h0 = be.heapBytes();
    for (let k = 0; k < 20; k++) expect(run(k)).toBeCloseTo(Math.E, 5); // smaller sizes than the first loop's
    expect(be.heapBytes()).toBe(h0);
    be.terminate();
  });
});
