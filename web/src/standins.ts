// TEMPORARY stand-ins for library modules that other engineers are writing
// right now (src/nn model zoo, src/data synthetic set, src/attacks,
// src/analysis). They are built only from engine ops and exist so the web lab
// works end to end today; each is replaced by the real module as it lands and
// then deleted from here (see docs/web.md, "Stand-ins").
import {
  Tensor, add, clamp, conv2d, crossEntropy, detach, keep, linear, max, mul, noGrad, randNormal, relu, reshape, sign, sqrt,
  square, sub, sum, tensor, tidy, valueAndGrad, zeros, div, flatten,
} from '../../src/index.ts';
import type { Classifier, ForwardContext } from '../../src/nn/types.ts';
import { normalArray, uniformArray } from '../../src/core/random.ts';
import { fft2dInterleaved } from '../../src/fft/host.ts';

// ---------------------------------------------------------------- models
/** Specs the stand-in understands: fc-w{H}-d{D}-{linear|relu}, bwc-k{k}-c{C}-d{D}-{linear|relu}. */
export const STANDIN_SPECS = ['fc-w64-d1-relu', 'fc-w64-d1-linear', 'fc-w256-d3-relu', 'fc-w2700-d1-linear', 'bwc-k3-c8-d1-relu', 'bwc-k3-c32-d1-relu'];

class StandinModel implements Classifier {
  readonly numClasses = 10;
  private readonly params = new Map<string, Tensor>();
  constructor(readonly spec: string, readonly inputShape: readonly number[], private readonly layers: { kind: 'fc' | 'conv'; name: string; relu: boolean; padding?: number }[]) {}
  add(name: string, t: Tensor): void { this.params.set(name, keep(t.setName(name).requireGrad())); }
  parameters(): Map<string, Tensor> { return this.params; }
  setTraining(): void {}
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    let h = x;
    for (const l of this.layers) {
      const w = this.params.get(`${l.name}.weight`)!, b = this.params.get(`${l.name}.bias`)!;
      if (l.kind === 'conv') h = conv2d(h, w, b, { padding: 'valid' });
      else h = linear(h.rank > 2 ? flatten(h) : h, w, b);
      if (l.relu) { ctx?.preActivations?.push(h); h = relu(h); }
    }
    return h;
  }
}

export function buildStandinModel(spec: string, inputShape: readonly number[], seed: number): Classifier {
  const [C, H, W] = inputShape;
  const fc = /^fc-w(\d+)-d(\d+)-(linear|relu)$/.exec(spec);
  const bwc = /^bwc-k(\d+)-c(\d+)-d(\d+)-(linear|relu)$/.exec(spec);
  if (!fc && !bwc) throw new Error(`model spec '${spec}' is not known (the stand-in zoo knows fc-w{H}-d{D}-{linear|relu} and bwc-k{k}-c{C}-d{D}-{linear|relu})`);
  const layers: { kind: 'fc' | 'conv'; name: string; relu: boolean }[] = [];
  const shapes: [string, number[]][] = [];
  if (fc) {
    const width = +fc[1], depth = +fc[2], act = fc[3] === 'relu';
    let inF = C * H * W;
    for (let i = 0; i < depth; i++) { layers.push({ kind: 'fc', name: `fc${i}`, relu: act }); shapes.push([`fc${i}`, [width, inF]]); inF = width; }
    layers.push({ kind: 'fc', name: 'out', relu: false }); shapes.push(['out', [10, inF]]);
  } else {
    const k = +bwc![1], ch = +bwc![2], depth = +bwc![3], act = bwc![4] === 'relu';
    let c = C, h = H, w = W;
    for (let i = 0; i < depth; i++) { layers.push({ kind: 'conv', name: `conv${i}`, relu: act }); shapes.push([`conv${i}`, [ch, c, k, k]]); c = ch; h -= k - 1; w -= k - 1; }
    layers.push({ kind: 'fc', name: 'out', relu: false }); shapes.push(['out', [10, c * h * w]]);
  }
  const m = new StandinModel(spec, inputShape, layers);
  shapes.forEach(([name, s], i) => {
    const fanIn = s.slice(1).reduce((a, b) => a * b, 1);
    m.add(`${name}.weight`, randNormal(s, seed, 0, Math.sqrt(2 / fanIn), 2 * i));
    m.add(`${name}.bias`, zeros([s[0]]));
  });
  return m;
}

// ---------------------------------------------------------------- synthetic data
/**
 * Stand-in synthetic set: 10 classes of 3x32x32 images in [0,1]. Class y has a
 * fixed smooth template T_y (random low-frequency pattern, drawn from seed 777);
 * x = clip(0.5 + 0.1 T_y + 0.25 z, 0, 1) with z ~ N(0,1) per pixel.
 */
export function standinSynthetic(n: number, seed: number): { x: Float32Array; y: Uint8Array; shape: [number, number, number] } {
  const C = 3, H = 32, W = 32, D = C * H * W;
  const templates: Float64Array[] = [];
  for (let c = 0; c < 10; c++) {
    const coef = normalArray(3 * 4 * 4, 777, c);
    const t = new Float64Array(D);
    for (let ch = 0; ch < C; ch++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      let v = 0;
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) v += coef[ch * 16 + a * 4 + b] * Math.cos(Math.PI * a * (i + 0.5) / H) * Math.cos(Math.PI * b * (j + 0.5) / W);
      t[ch * H * W + i * W + j] = v / 3;
    }
    templates.push(t);
  }
  const labels = uniformArray(n, seed, 1);
  const noise = normalArray(n * D, seed, 2);
  const x = new Float32Array(n * D), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.min(9, Math.floor(labels[i] * 10));
    y[i] = c;
    for (let d = 0; d < D; d++) x[i * D + d] = Math.min(1, Math.max(0, 0.5 + 0.1 * templates[c][d] + 0.25 * noise[i * D + d]));
  }
  return { x, y, shape: [C, H, W] };
}

// ---------------------------------------------------------------- attacks
export const STANDIN_ATTACKS = ['pgd-linf', 'pgd-l2', 'fgsm'] as const;
export type AttackName = (typeof STANDIN_ATTACKS)[number];

/** Per-image L2 norms as [N,1,1,1]. */
function l2PerImage(t: Tensor): Tensor {
  const N = t.shape[0];
  return reshape(sqrt(add(sum(square(reshape(t, [N, -1])), 1), 1e-12)), [N, 1, 1, 1]);
}

/**
 * PGD (Foolbox 3 semantics, no random start): step = 2.5 eps / steps; Linf
 * step = sign(g), L2 step = g/||g||_2; projection onto the eps-ball and [0,1].
 * FGSM = one Linf step of size eps. Loss: summed cross-entropy.
 */
export function standinAttack(model: Classifier, x: Tensor, labels: ArrayLike<number>, kind: AttackName, eps: number, steps: number): Tensor {
  const lossGrad = valueAndGrad((xi: Tensor) => crossEntropy(model.forward(xi), labels, 'sum'));
  const nSteps = kind === 'fgsm' ? 1 : steps;
  const alpha = kind === 'fgsm' ? eps : 2.5 * eps / steps;
  let xadv = keep(detach(x));
  for (let s = 0; s < nSteps; s++) {
    const next = tidy(() => {
      const { value, grads } = lossGrad(xadv);
      value.dispose();
      const g = grads[0];
      return noGrad(() => {
        if (kind === 'pgd-l2') {
          const moved = add(xadv, mul(div(g, l2PerImage(g)), alpha));
          let d = sub(moved, x);
          const n = l2PerImage(d);
          d = mul(d, div(clamp(n, 0, eps), n));
          return clamp(add(x, d), 0, 1);
        }
        const moved = add(xadv, mul(sign(g), alpha));
        return clamp(clamp(moved, sub(x, eps), add(x, eps)), 0, 1);
      });
    });
    xadv.dispose();
    xadv = keep(next);
  }
  return xadv;
}

/** Saliency beta = d(max_k logit_k)/dx, summed over the batch (one gradient per image). */
export function standinSaliency(model: Classifier, x: Tensor): Tensor {
  const [g] = tidy(() => {
    const { value, grads } = valueAndGrad((xi: Tensor) => sum(max(model.forward(xi), -1)))(x);
    value.dispose();
    return grads;
  });
  return g;
}

// ---------------------------------------------------------------- analyses (host, float64)
/** Grey = 0.2989 R + 0.5870 G + 0.1140 B (one channel passes through). */
export function grey(img: Float32Array | Float64Array, C: number, H: number, W: number): Float64Array {
  const out = new Float64Array(H * W);
  if (C === 1) { out.set(img.subarray(0, H * W)); return out; }
  const wts = [0.2989, 0.587, 0.114];
  for (let c = 0; c < 3; c++) for (let p = 0; p < H * W; p++) out[p] += wts[c] * img[c * H * W + p];
  return out;
}

/** |F|^2 of the 2-D DFT of a real H x W image, fftshifted (DC at [floor(H/2), floor(W/2)]). */
export function centredPower(g: Float64Array, H: number, W: number): Float64Array {
  const z = new Float64Array(2 * H * W);
  for (let p = 0; p < H * W; p++) z[2 * p] = g[p];
  fft2dInterleaved(z, 1, H, W, false);
  const out = new Float64Array(H * W);
  const h2 = Math.floor(H / 2), w2 = Math.floor(W / 2);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const re = z[2 * (i * W + j)], im = z[2 * (i * W + j) + 1];
    out[((i + h2) % H) * W + ((j + w2) % W)] = re * re + im * im;
  }
  return out;
}

/** Radial energy E(k_r) = sum of |F(k)|^2 over centred k with round(|k|) = k_r. */
export function radialEnergy(power: Float64Array, H: number, W: number): { k: number[]; e: number[] } {
  const h2 = Math.floor(H / 2), w2 = Math.floor(W / 2);
  const kmax = Math.ceil(Math.hypot(h2, w2));
  const e = new Array<number>(kmax + 1).fill(0);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) e[Math.round(Math.hypot(i - h2, j - w2))] += power[i * W + j];
  return { k: e.map((_, i) => i), e };
}

/** Angular energy over arg(k) mod 180 degrees in 5-degree bins (DC excluded). */
export function angularEnergy(power: Float64Array, H: number, W: number, binDeg = 5): { deg: number[]; e: number[] } {
  const h2 = Math.floor(H / 2), w2 = Math.floor(W / 2);
  const bins = Math.round(180 / binDeg);
  const e = new Array<number>(bins).fill(0);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const ky = h2 - i, kx = j - w2;
    if (kx === 0 && ky === 0) continue;
    let a = (Math.atan2(ky, kx) * 180) / Math.PI;
    if (a < 0) a += 180;
    e[Math.min(bins - 1, Math.floor(a / binDeg))] += power[i * W + j];
  }
  return { deg: e.map((_, i) => (i + 0.5) * binDeg), e };
}

/** Read a batch tensor as numbers and slice image i. */
export function imageOf(all: Float32Array, i: number, D: number): Float32Array { return all.subarray(i * D, (i + 1) * D); }

export { tensor };
