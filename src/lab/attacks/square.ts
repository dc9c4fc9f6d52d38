// The Square attack (Andriushchenko, Croce, Flammarion and Hein 2020): a
// score-based random search that uses only the model's logits, never a
// gradient (a check that catches gradient masking). Linf and L2, as the
// authors' code: square windows whose area fraction p follows their schedule,
// a proposal is kept when it lowers the loss (margin z_y - max_{k != y} z_k;
// targeted: CE to the target), and an example stops once it is adversarial.
// Inputs must be images [N, C, H, W]; all the arithmetic is on the host.
import { tensor } from '../../engine/ops/creation.ts';
import { uniformArray } from '../../engine/core/random.ts';
import { apgdLoss } from './apgd.ts';
import {
  boundsOf,
  checkInputs,
  epsArray,
  finishResult,
  logitsOf,
  vecNorm,
  type AttackInputs,
  type AttackResult,
} from './common.ts';

/** Options of squareAttack(): norm, budget, queries per example, initial fraction of pixels changed, result name. */
export interface SquareOptions {
  norm: 'linf' | 'l2';
  eps: number | ArrayLike<number>;
  /** Model queries per example (default 1000; AutoAttack uses 5000). */
  queries?: number;
  /** Initial fraction of pixels changed per query (default 0.8, AutoAttack's value). */
  pInit?: number;
  name?: string;
}

/** The authors' schedule: p halves at 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10000 (rescaled to the budget). */
export function squareP(pInit: number, it: number, total: number): number {
  const t = Math.floor((it / total) * 10000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let k = 0;
  while (k < cuts.length && t > cuts[k]) k++;
  return t > 10000 ? pInit : pInit / 2 ** k;
}

/** A seeded stream of uniforms in [0, 1), drawn in blocks. */
class Uniforms {
  private buf: Float64Array = new Float64Array(0);
  private at = 0;
  private block = 0;
  constructor(
    private seed: number,
    private stream: number,
  ) {}
  next(): number {
    if (this.at >= this.buf.length) {
      this.buf = uniformArray(4096, this.seed, this.stream, 4096 * this.block++);
      this.at = 0;
    }
    return this.buf[this.at++];
  }
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
}

/** The authors' L2 window: two pseudo-Gaussian halves of opposite sign, unit L2 norm, transposed at random. */
export function squareL2Window(s: number, transpose: boolean): Float64Array {
  const rect = (h: number, w: number): Float64Array => {
    const r = new Float64Array(h * w);
    const ch = Math.floor(h / 2) + 1,
      cw = Math.floor(w / 2) + 1;
    let y0 = ch - 1,
      x0 = cw - 1;
    for (let c = 0; c < Math.max(ch, cw); c++) {
      for (let y = Math.max(y0, 0); y < Math.min(y0 + 2 * c + 1, h); y++)
        for (let x = Math.max(x0, 0); x < Math.min(x0 + 2 * c + 1, w); x++) r[y * w + x] += 1 / (c + 1) ** 2;
      y0--;
      x0--;
    }
    const n = vecNorm(r, 'l2');
    return r.map((v) => v / n);
  };
  const h1 = Math.floor(s / 2),
    out = new Float64Array(s * s);
  out.set(rect(h1, s), 0);
  out.set(
    rect(s - h1, s).map((v) => -v),
    h1 * s,
  );
  const n = vecNorm(out, 'l2');
  for (let j = 0; j < out.length; j++) out[j] /= n;
  if (!transpose) return out;
  const t = new Float64Array(s * s);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) t[x * s + y] = out[y * s + x];
  return t;
}

/** Loss to minimise (untargeted: the margin; targeted: CE to the target) and margin (<= 0: adversarial) of each row of logits. */
function lossAndMargin(
  z: Float32Array,
  rows: number[],
  k: number,
  labels: ArrayLike<number>,
  targets?: ArrayLike<number>,
): { loss: Float64Array; margin: Float64Array } {
  const margin = new Float64Array(rows.length);
  rows.forEach((i, r) => {
    const o = r * k,
      c = targets ? targets[i] : labels[i];
    let best = -Infinity;
    for (let j = 0; j < k; j++) if (j !== c) best = Math.max(best, z[o + j]);
    margin[r] = targets ? best - z[o + c] : z[o + c] - best;
  });
  if (!targets) return { loss: Float64Array.from(margin), margin };
  // apgdLoss gives -CE(z, t) for a targeted attack (a loss to ascend)
  const { value } = apgdLoss(
    'ce',
    z,
    rows.length,
    k,
    rows.map((i) => labels[i]),
    rows.map((i) => targets[i]),
  );
  return { loss: value.map((v) => -v), margin };
}

/**
 * Square attack. Returns, per example, the best point found (adversarial as soon as
 * one is found; the search for that example stops there).
 */
export async function squareAttack(a: AttackInputs, o: SquareOptions): Promise<AttackResult> {
  const name = o.name ?? `square-${o.norm}`;
  const { n, d } = checkInputs(name, a);
  if (a.x.rank !== 4) throw new Error(`${name}: needs images [N, C, H, W], got [${a.x.shape.join(', ')}]`);
  if (o.norm !== 'linf' && o.norm !== 'l2') throw new Error(`${name}: norm must be linf or l2, got '${o.norm}'`);
  const [, c, h, w] = a.x.shape;
  if (h < 2 || w < 2) throw new Error(`${name}: images must be at least 2x2, got ${h}x${w}`);
  const queries = o.queries ?? 1000,
    pInit = o.pInit ?? 0.8;
  if (!Number.isInteger(queries) || queries < 1)
    throw new Error(`${name}: queries must be a positive integer, got ${queries}`);
  const eps = epsArray(o.eps, n, name);
  const [lo, hi] = boundsOf(a.bounds);
  const k = a.model.numClasses,
    hw = h * w;
  const rng = new Uniforms(a.seed ?? 0, 300);
  a.model.setTraining(false);
  const x0 = await a.x.data();
  const clip = (v: number): number => Math.min(hi, Math.max(lo, v));
  const logits = async (xs: Float32Array, m: number): Promise<Float32Array> => {
    const t = tensor(xs, [m, c, h, w], a.x.backend);
    try {
      return await logitsOf(a.model, t);
    } finally {
      t.dispose();
    }
  };
  // delta (before clipping) per example; x_best = clip(x0 + delta) (linf), or x0 + eps delta/||delta|| clipped (l2)
  const delta = new Float64Array(n * d);
  if (o.norm === 'linf') {
    // vertical stripes of +-eps, one sign per channel and column
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let x = 0; x < w; x++) {
          const v = eps[i] * rng.sign();
          for (let y = 0; y < h; y++) delta[i * d + ch * hw + y * w + x] = v;
        }
  } else {
    // a grid of L2 windows of side h/5, one random sign per channel and window
    const s = Math.max(1, Math.floor(h / 5)),
      sp = Math.floor((h - 5 * s) / 2);
    for (let cy = sp; cy + s <= h && cy < sp + s * Math.floor(h / s); cy += s)
      for (let cx = sp; cx + s <= w && cx < sp + s * Math.floor(w / s); cx += s) {
        const win = squareL2Window(s, rng.next() > 0.5);
        for (let i = 0; i < n; i++)
          for (let ch = 0; ch < c; ch++) {
            const sg = rng.sign();
            for (let y = 0; y < s; y++)
              for (let x = 0; x < s; x++) delta[i * d + ch * hw + (cy + y) * w + cx + x] += sg * win[y * s + x];
          }
      }
  }
  const best = new Float32Array(n * d);
  const place = (i: number, dl: Float64Array, off: number, out: Float32Array, outOff: number): void => {
    if (o.norm === 'linf') {
      for (let j = 0; j < d; j++) out[outOff + j] = clip(x0[i * d + j] + dl[off + j]);
      return;
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += dl[off + j] ** 2;
    const f = s > 0 ? eps[i] / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[outOff + j] = clip(x0[i * d + j] + f * dl[off + j]);
  };
  for (let i = 0; i < n; i++) place(i, delta, i * d, best, i * d);
  const all = [...Array(n).keys()];
  let { loss: lossMin, margin: marginMin } = lossAndMargin(await logits(best, n), all, k, a.labels, a.targets);
  lossMin = Float64Array.from(lossMin);
  marginMin = Float64Array.from(marginMin);
  for (let it = 0; it < queries - 1; it++) {
    const active = all.filter((i) => marginMin[i] > 0);
    if (!active.length) break;
    const p = squareP(pInit, it, queries);
    const m = active.length;
    const prop = new Float64Array(m * d);
    if (o.norm === 'linf') {
      const s = Math.min(Math.max(Math.round(Math.sqrt((p * d) / c)), 1), h - 1);
      active.forEach((i, r) => {
        prop.set(delta.subarray(i * d, (i + 1) * d), r * d);
        const cy = rng.int(h - s),
          cx = rng.int(w - s);
        // redraw the channel signs until the window actually changes the current best point
        for (let tries = 0; tries < 100; tries++) {
          const sg = Array.from({ length: c }, () => rng.sign());
          let changed = false;
          for (let ch = 0; ch < c && !changed; ch++)
            for (let y = cy; y < cy + s && !changed; y++)
              for (let x = cx; x < cx + s; x++) {
                const j = ch * hw + y * w + x;
                if (Math.abs(clip(x0[i * d + j] + sg[ch] * eps[i]) - best[i * d + j]) >= 1e-7) {
                  changed = true;
                  break;
                }
              }
          for (let ch = 0; ch < c; ch++)
            for (let y = cy; y < cy + s; y++)
              for (let x = cx; x < cx + s; x++) prop[r * d + ch * hw + y * w + x] = sg[ch] * eps[i];
          if (changed) break;
        }
      });
    } else {
      let s = Math.max(Math.round(Math.sqrt((p * d) / c)), 3);
      if (s % 2 === 0) s++;
      s = Math.min(s, h - 1, w - 1);
      // one pair of windows per query for the whole batch, as the authors' code
      const cy = rng.int(Math.max(1, h - s)),
        cx = rng.int(Math.max(1, w - s));
      const cy2 = rng.int(Math.max(1, h - s)),
        cx2 = rng.int(Math.max(1, w - s));
      const win = squareL2Window(s, rng.next() > 0.5);
      const inWin = (y: number, x: number, py: number, px: number): boolean =>
        y >= py && y < py + s && x >= px && x < px + s;
      active.forEach((i, r) => {
        const off = r * d;
        // the current delta, scaled to the image (x_best - x0)
        for (let j = 0; j < d; j++) prop[off + j] = best[i * d + j] - x0[i * d + j];
        let img2 = 0;
        for (let j = 0; j < d; j++) img2 += prop[off + j] ** 2;
        for (let ch = 0; ch < c; ch++) {
          let win1 = 0,
            both = 0;
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const v = prop[off + ch * hw + y * w + x] ** 2;
              if (inWin(y, x, cy, cx)) win1 += v;
              if (inWin(y, x, cy, cx) || inWin(y, x, cy2, cx2)) both += v;
            }
          const sg = rng.sign();
          const nw = new Float64Array(s * s);
          let nn = 0;
          for (let y = 0; y < s; y++)
            for (let x = 0; x < s; x++) {
              const v = sg * win[y * s + x] + prop[off + ch * hw + (cy + y) * w + cx + x] / (1e-10 + Math.sqrt(win1));
              nw[y * s + x] = v;
              nn += v * v;
            }
          const budget = Math.sqrt(Math.max(eps[i] ** 2 - img2, 0) / c + both);
          for (let y = cy2; y < cy2 + s; y++) for (let x = cx2; x < cx2 + s; x++) prop[off + ch * hw + y * w + x] = 0;
          for (let y = 0; y < s; y++)
            for (let x = 0; x < s; x++)
              prop[off + ch * hw + (cy + y) * w + cx + x] = (nw[y * s + x] / Math.sqrt(nn)) * budget;
        }
      });
    }
    const xs = new Float32Array(m * d);
    active.forEach((i, r) => place(i, prop, r * d, xs, r * d));
    const { loss, margin } = lossAndMargin(await logits(xs, m), active, k, a.labels, a.targets);
    active.forEach((i, r) => {
      if (!(loss[r] < lossMin[i])) return;
      lossMin[i] = loss[r];
      marginMin[i] = margin[r];
      best.set(xs.subarray(r * d, (r + 1) * d), i * d);
      if (o.norm === 'linf') delta.set(prop.subarray(r * d, (r + 1) * d), i * d);
    });
    if (a.onProgress && ((it + 2) % 10 === 0 || it + 2 === queries))
      a.onProgress({ attack: name, done: it + 2, total: queries, message: `${m} examples searching` });
  }
  return finishResult(name, a, x0, best, { eps });
}
