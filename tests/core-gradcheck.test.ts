// Every op's gradient, and its second derivative (a Hessian-vector product through
// backward with createGraph), against central finite differences, in float64 on the
// reference backend, over the case table in tests/helpers/op-cases.ts; the
// coverage test at the bottom fails when an op that records a gradient has no case.
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import * as T from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import { cases, input, type Case } from './helpers/op-cases.ts';

const be = T.float64Backend();

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Runs `setup` on the case's inputs (inside a tidy) and compares the gradient it returns
 * for each input with central differences of its scalar `f`; returns the worst relative error.
 */
function againstFiniteDifferences(
  c: Case,
  setup: (xs: Tensor[]) => { f: (ys: Tensor[]) => number; grads: (Float64Array | null)[] },
): number {
  const datas = c.shapes.map((s, i) => {
    const d = input(s, 100 + i, 0.2, 1.0, c.positive);
    c.init?.(i, d);
    return d;
  });
  let err = 0;
  T.tidy(() => {
    const xs = datas.map((d, i) => T.tensor(d, c.shapes[i], be));
    const { f, grads } = setup(xs);
    const h = 1e-6;
    for (let i = 0; i < xs.length; i++) {
      const analytic = grads[i] ?? new Float64Array(datas[i].length);
      const numeric = new Float64Array(datas[i].length);
      for (let k = 0; k < datas[i].length; k++) {
        const at = (delta: number): number =>
          T.tidy(() => {
            const d = Float64Array.from(datas[i]);
            d[k] += delta;
            return f(xs.map((x, j) => (j === i ? T.tensor(d, c.shapes[i], be) : x)));
          });
        numeric[k] = (at(h) - at(-h)) / (2 * h);
      }
      const diff = analytic.map((a, k) => a - numeric[k]);
      err = Math.max(err, maxAbs(diff) / Math.max(1e-3, maxAbs(numeric)));
    }
  });
  return err;
}

/**
 * phi(x) = sum(r * f(x)) with a fixed random weighting r, which makes it sensitive to every
 * output; `quadratic` adds sum(f(x)^2) / 2, so that the gradient flowing into f (r + f(x))
 * depends on the inputs and the second order reaches every adjoint of f's backward.
 */
function weighted(c: Case, xs: Tensor[], quadratic = false): (ys: Tensor[]) => Tensor {
  const probe = c.fn(...xs);
  const r = T.tensor(input(probe.shape as number[], 7), probe.shape, be);
  return (ys) => {
    const y = c.fn(...ys);
    return T.sum(T.mul(quadratic ? T.add(r, T.mul(y, 0.5)) : r, y));
  };
}

function check(c: Case): { err: number; ops: Set<string> } {
  const ops = new Set<string>();
  const err = againstFiniteDifferences(c, (xs) => {
    const phi = weighted(c, xs);
    const { grads } = T.valueAndGrad((...ys) => {
      const out = phi(ys);
      for (const n of T.graphOf(out)) ops.add(n.op);
      return out;
    })(...xs);
    return { f: (ys) => phi(ys).dataSyncF64()[0], grads: grads.map((g) => g.dataSyncF64()) };
  });
  return { err, ops };
}

/**
 * Second order: psi = sum_i <s_i, d phi / d x_i> (quadratic phi) with the first backward recorded
 * (createGraph), so d psi / d x = H s, checked against central differences of psi
 * (which needs first-order gradients only).
 */
function check2(c: Case): { err: number; ops: Set<string> } {
  const ops = new Set<string>();
  const err = againstFiniteDifferences(c, (xs) => {
    const phi = weighted(c, xs, true);
    const ss = c.shapes.map((sh, i) => T.tensor(input(sh, 300 + i), sh, be));
    const psi = (ys: Tensor[]): { value: Tensor; leaves: Tensor[] } => {
      const leaves = ys.map((y) => T.detach(y).requireGrad());
      const g = T.backward(phi(leaves), { targets: leaves, createGraph: true });
      let value = T.full([], 0, be);
      leaves.forEach((l, i) => {
        const gi = g.get(l);
        if (gi) value = T.add(value, T.sum(T.mul(gi, ss[i])));
      });
      return { value, leaves };
    };
    const { value, leaves } = psi(xs);
    for (const n of T.graphOf(value)) ops.add(n.op);
    const hs = value.requiresGrad ? T.backward(value, { targets: leaves }) : new Map<Tensor, Tensor>();
    return { f: (ys) => psi(ys).value.dataSyncF64()[0], grads: leaves.map((l) => hs.get(l)?.dataSyncF64() ?? null) };
  });
  return { err, ops };
}

const covered = new Set<string>();

describe('gradients match central finite differences in float64', () => {
  for (const c of cases) {
    test(c.name, () => {
      const { err, ops } = check(c);
      ops.forEach((o) => covered.add(o));
      expect(err).toBeLessThan(1e-6);
    });
  }

  for (const c of cases) {
    test(`${c.name}: second order (Hessian-vector product through backward with createGraph)`, () => {
      const { err, ops } = check2(c);
      ops.forEach((o) => covered.add(o));
      expect(err).toBeLessThan(1e-6);
    });
  }

  test('every op that records a gradient has a case in this table', () => {
    const recorded = new Set<string>();
    for (const f of readdirSync(new URL('../src/engine/ops/', import.meta.url))) {
      // Whitespace is collapsed so that the patterns hold however a formatter wraps the calls.
      const raw = readFileSync(new URL(`../src/engine/ops/${f}`, import.meta.url), 'utf8');
      const src = raw.replace(/\s+/g, ' ');
      for (const m of src.matchAll(/record\(\s*[^,]+,\s*'(\w+)'/g)) recorded.add(m[1]);
      for (const m of src.matchAll(/unaryOp\(\s*'(\w+)',\s*x,\s*\(/g)) recorded.add(m[1]);
      const binGrads = /const binGrads\b[^=]*=\s*\{([\s\S]*?)\n\};/.exec(raw)?.[1] ?? '';
      for (const m of binGrads.matchAll(/^\s+(\w+):\s*\(g[,)]/gm)) recorded.add(m[1]);
      for (const m of src.matchAll(/case '(\w+)':\s*grad =/g)) recorded.add(`${m[1]}_scalar`);
      for (const m of src.matchAll(/const op = inverse \? '(\w+)' : '(\w+)'/g)) {
        recorded.add(m[1]);
        recorded.add(m[2]);
      }
      if (src.includes("mode === 'zero' ? 'pad' : 'pad_circular'")) {
        recorded.add('pad');
        recorded.add('pad_circular');
      }
      for (const m of src.matchAll(/bilinear\(\s*'(\w+)'/g))
        for (const suffix of ['', 'GradInput', 'GradFilter']) recorded.add(m[1] + suffix);
    }
    expect(recorded.size).toBeGreaterThan(30);
    const missing = [...recorded].filter((o) => !covered.has(o));
    expect(missing).toEqual([]);
  });
});
