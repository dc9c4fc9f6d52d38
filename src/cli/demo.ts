// `ifrlab demo`: train a small ReLU network on generated data with the engine's
// own ops, print the loss curve and the gradient-path listing of one forward pass.
import * as T from '../index.ts';
import { parseFlags, helpText, BACKEND, SEED, selectBackend } from './args.ts';

const spec = {
  steps: { type: 'number', default: 200, help: 'training steps' },
  ...SEED,
  ...BACKEND,
} as const;

/** A text plot of a series: one row per level, one column per bucket of points. */
export function asciiCurve(ys: number[], width = 60, height = 10): string {
  const cols = Math.min(width, ys.length);
  const buckets = Array.from({ length: cols }, (_, c) => {
    const a = Math.floor((c * ys.length) / cols),
      b = Math.max(a + 1, Math.floor(((c + 1) * ys.length) / cols));
    return ys.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
  });
  const lo = Math.min(...buckets),
    hi = Math.max(...buckets),
    span = hi - lo || 1;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const level = lo + (span * (r + 0.5)) / height;
    const label = r === height - 1 ? hi.toFixed(3) : r === 0 ? lo.toFixed(3) : '';
    rows.push(
      `${label.padStart(8)} |${buckets.map((v) => (Math.abs(v - level) <= span / (2 * height) || (r === 0 && v < level) ? '*' : ' ')).join('')}`,
    );
  }
  rows.push(`${''.padStart(8)} +${'-'.repeat(cols)}`);
  return rows.join('\n');
}

export async function run(args: string[]): Promise<void> {
  const f = parseFlags('demo', spec, args);
  if (f.help) {
    console.log(helpText('demo', spec));
    return;
  }
  const backend = await selectBackend(f.backend);
  console.log(`backend: ${backend.name}`);

  // Two classes in 16 dimensions, separated along a random direction plus a quadratic feature.
  const N = 256,
    D = 16,
    H = 32;
  const x = T.randNormal([N, D], f.seed, 0, 1, 0);
  const xs = await x.data();
  const labels = Array.from({ length: N }, (_, i) => (xs[i * D] + 0.5 * xs[i * D + 1] ** 2 - 0.3 > 0 ? 1 : 0));
  const w1 = T.randNormal([H, D], f.seed, 0, Math.sqrt(2 / D), 1)
    .requireGrad()
    .setName('w1');
  const b1 = T.zeros([H]).requireGrad().setName('b1');
  const w2 = T.randNormal([2, H], f.seed, 0, Math.sqrt(1 / H), 2)
    .requireGrad()
    .setName('w2');
  const b2 = T.zeros([2]).requireGrad().setName('b2');
  const params = [w1, b1, w2, b2];
  const velocity = params.map((p) => T.zeros(p.shape));
  const forward = (inp: T.Tensor) =>
    T.linear(T.relu(T.linear(inp, w1, b1).setName('pre1')).setName('h1'), w2, b2).setName('logits');

  const losses: number[] = [];
  for (let s = 0; s < f.steps; s++) {
    const loss = T.tidy(() => {
      const l = T.crossEntropy(forward(x), labels);
      T.backward(l);
      params.forEach((p, i) => p.backend.sgdStep(p.buffer, p.grad!.buffer, velocity[i].buffer, 0.1, 0.9, 0, false));
      T.zeroGrad(params);
      return T.keep(l);
    });
    losses.push(await loss.item());
    loss.dispose();
  }
  const acc = await T.tidyAsync(async () => {
    const pred = await forward(x).data();
    let ok = 0;
    for (let i = 0; i < N; i++) if ((pred[2 * i + 1] > pred[2 * i] ? 1 : 0) === labels[i]) ok++;
    return ok / N;
  });
  console.log(
    `\ntraining loss over ${f.steps} steps (SGD, momentum 0.9, lr 0.1): ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(4)}, train accuracy ${(100 * acc).toFixed(1)}%`,
  );
  console.log(asciiCurve(losses));

  // The gradient path of one logit with respect to the input, layer by layer.
  const x0 = T.slice(x, [0, 0], [1, D]).setName('x').requireGrad();
  const logits = forward(x0);
  const target = T.sum(T.slice(logits, [0, 1], [1, 1])).setName('logit[1]');
  const h1 = T.graphOf(target);
  console.log(`\ngradient-path listing of logit[1] for one input (${h1.length} tensors):`);
  console.log(T.formatGraph(target));
  T.backward(target);
  console.log('\ngradient norm at each recorded tensor (d logit[1] / d tensor):');
  for (const p of [x0, w1, b1, w2, b2]) {
    const g = await p.grad!.data();
    console.log(
      `  ${(p.name ?? `#${p.id}`).padEnd(6)} ${JSON.stringify(p.shape).padEnd(8)} |grad| = ${Math.hypot(...g).toFixed(4)}`,
    );
  }
  console.log(`\nlive tensors: ${T.memory().tensors}, buffers: ${T.memory().buffers}`);
}
