// Deno smoke test of the engine: the same src/ runs unchanged under Deno.
// Run by tests/deno.test.ts (vitest) through the `deno` npm package.
import * as T from '../../src/index.ts';

function assertClose(a: number, b: number, tol: number, what: string): void {
  if (!(Math.abs(a - b) <= tol)) throw new Error(`${what}: ${a} vs ${b}`);
}

Deno.test('a small model: forward, gradient against a hand-computed value', () => {
  // logits = x W^T; loss = CE(logits, y). For W = 0 the logits are 0, softmax is
  // uniform, and dL/dW[k] = mean over rows of (p_k - [y == k]) x.
  const x = T.tensor([
    [1, 2],
    [3, -1],
  ]);
  const w = T.zeros([3, 2]).requireGrad();
  const loss = T.crossEntropy(T.matmul(x, w, { transB: true }), [0, 2]);
  assertClose(loss.itemSync(), Math.log(3), 1e-6, 'loss');
  T.backward(loss);
  const g = w.grad!.dataSync();
  const want = [
    ((1 / 3 - 1) * 1 + (1 / 3) * 3) / 2,
    ((1 / 3 - 1) * 2 + (1 / 3) * -1) / 2,
    ((1 / 3) * 1 + (1 / 3) * 3) / 2,
    ((1 / 3) * 2 + (1 / 3) * -1) / 2,
    ((1 / 3) * 1 + (1 / 3 - 1) * 3) / 2,
    ((1 / 3) * 2 + (1 / 3 - 1) * -1) / 2,
  ];
  for (let i = 0; i < 6; i++) assertClose(g[i], want[i], 1e-6, `grad[${i}]`);
});

Deno.test('FFT of an impulse is flat; random numbers match Node', () => {
  const y = T.fft(T.toComplex(T.tensor([1, 0, 0, 0, 0, 0, 0]))).dataSync();
  for (let k = 0; k < 7; k++) {
    assertClose(y[2 * k], 1, 1e-6, 're');
    assertClose(y[2 * k + 1], 0, 1e-6, 'im');
  }
  // Philox known-answer: the first uniform of seed 0 is (0x6627e8d5 >>> 8) / 2^24
  assertClose(T.uniformArray(1, 0)[0], (0x6627e8d5 >>> 8) / 16777216, 0, 'uniform');
});
