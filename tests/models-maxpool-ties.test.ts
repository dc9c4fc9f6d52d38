// Max pooling at ties follows PyTorch's MaxPool2d: the gradient of a window goes to its first
// maximal element (row-major), not split among tied maxima. Checked against a hand-computed case.
import { describe, it, expect } from 'vitest';
import { setBackend } from '../dist/src/engine/backends/registry.js';
import { tensor } from '../dist/src/engine/ops/creation.js';
import { mul } from '../dist/src/engine/ops/elementwise.js';
import { reshape } from '../dist/src/engine/ops/layout.js';
import { max, sum } from '../dist/src/engine/ops/reduce.js';
import { grad } from '../dist/src/engine/autograd/backward.js';
import { maxPool2x2 } from '../dist/src/lab/nn/models.js';

// four 2x2 windows of a 4x4 image: all zero (4-way tie), a 2-way tie, a diagonal tie, no tie
const X = [0, 0, 1, 3, 0, 0, 3, 2, 5, 1, -1, -2, 2, 5, -3, -0.5];
// d/dx of sum(pool(x) * [[1, 2], [3, 4]]): each window's weight lands on its first maximum
const EXPECTED = [1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4];

describe.each(['reference', 'wasm'] as const)('maxPool2x2 on %s', (backend) => {
  it('forward is the window max; the gradient goes to the first maximum (hand-computed ties)', async () => {
    await setBackend(backend);
    const x = tensor(X, [1, 1, 4, 4]);
    const wts = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    expect([...(await maxPool2x2(x).data())]).toEqual([0, 3, 5, -0.5]);
    const [g] = grad((t) => sum(mul(maxPool2x2(t), wts)))(x);
    expect([...(await g.data())]).toEqual(EXPECTED);
  });

  it('without ties it equals the gradient of a plain max over each window', async () => {
    await setBackend(backend);
    const vals = Array.from({ length: 2 * 3 * 4 * 6 }, (_, i) => Math.sin(1.7 * i + 0.3) * 10); // distinct values
    const x = tensor(vals, [2, 3, 4, 6]);
    const w = tensor(
      Array.from({ length: 2 * 3 * 2 * 3 }, (_, i) => Math.cos(i)),
      [2, 3, 2, 3],
    );
    const plain = (t: typeof x) => max(reshape(t, [2, 3, 2, 2, 3, 2]), [3, 5]);
    const [a] = grad((t) => sum(mul(maxPool2x2(t), w)))(x);
    const [b] = grad((t) => sum(mul(plain(t), w)))(x);
    expect([...(await maxPool2x2(x).data())]).toEqual([...(await plain(x).data())]);
    expect([...(await a.data())]).toEqual([...(await b.data())]);
  });
});
