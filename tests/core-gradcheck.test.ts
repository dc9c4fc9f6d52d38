// Every op's gradient against central finite differences, in float64 on the
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

function check(c: Case): { err: number; ops: Set<string> } {
  const datas = c.shapes.map((s, i) => {
    const d = input(s, 100 + i, 0.2, 1.0, c.positive);
    c.init?.(i, d);
    return d;
  });
  const ops = new Set<string>();
  let err = 0;
  T.tidy(() => {
    const xs = datas.map((d, i) => T.tensor(d, c.shapes[i], be));
    // a fixed random weighting makes the scalar loss sensitive to every output
    const probe = c.fn(...xs);
    const r = T.tensor(input(probe.shape as number[], 7), probe.shape, be);
    const loss = (...ys: Tensor[]) => T.sum(T.mul(c.fn(...ys), r));
    const { grads } = T.valueAndGrad((...ys) => {
      const out = loss(...ys);
      for (const n of T.graphOf(out)) ops.add(n.op);
      return out;
    })(...xs);
    const h = 1e-6;
    for (let i = 0; i < xs.length; i++) {
      const analytic = grads[i].dataSyncF64();
      const numeric = new Float64Array(datas[i].length);
      for (let k = 0; k < datas[i].length; k++) {
        const eval_ = (delta: number): number => T.tidy(() => {
          const d = Float64Array.from(datas[i]);
          d[k] += delta;
          const ys = xs.map((x, j) => (j === i ? T.tensor(d, c.shapes[i], be) : x));
          return loss(...ys).dataSyncF64()[0];
        });
        numeric[k] = (eval_(h) - eval_(-h)) / (2 * h);
      }
      const diff = analytic.map((a, k) => a - numeric[k]);
      err = Math.max(err, maxAbs(diff) / Math.max(1e-3, maxAbs(numeric)));
    }
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

  test('every op that records a gradient has a case in this table', () => {
    const recorded = new Set<string>();
    for (const f of readdirSync(new URL('../src/ops/', import.meta.url))) {
      const src = readFileSync(new URL(`../src/ops/${f}`, import.meta.url), 'utf8');
      for (const m of src.matchAll(/record\([^,]+,\s*'(\w+)'/g)) recorded.add(m[1]);
      for (const m of src.matchAll(/unaryOp\('(\w+)', x, \(/g)) recorded.add(m[1]);
      for (const m of src.matchAll(/^\s+(\w+): \(g[,)]/gm)) recorded.add(m[1]);
      for (const m of src.matchAll(/case '(\w+)': grad =/g)) recorded.add(`${m[1]}_scalar`);
      for (const m of src.matchAll(/const op = inverse \? '(\w+)' : '(\w+)'/g)) { recorded.add(m[1]); recorded.add(m[2]); }
      if (src.includes("mode === 'zero' ? 'pad' : 'pad_circular'")) { recorded.add('pad'); recorded.add('pad_circular'); }
    }
    expect(recorded.size).toBeGreaterThan(30);
    const missing = [...recorded].filter((o) => !covered.has(o));
    expect(missing).toEqual([]);
  });
});
