// Learning-dynamics observables along the straight path x -> x + delta:
// the fraction of ReLU units that change state, the roughness of the logit
// curve. (The random-direction control and the minimal-norm search are in
// src/attacks/minimal.ts: randomDirections, minimalNormSearch.)
import { noGrad, tidy, type Tensor } from '../../engine/tensor.ts';
import { tensor } from '../../engine/ops/creation.ts';
import type { Classifier } from '../nn/types.ts';
import { vecNorm, type Norm } from '../attacks/common.ts';

/** Sampling of the path x + t delta, t in [0, 1]. */
export interface PathOptions {
  /** Number of points t_i = i / (points - 1), i = 0..points-1 (default 100; includes both ends). */
  points?: number;
}

/** What pathObservables measures along each path: ReLU state changes and the roughness of the logits. */
export interface PathObservables {
  /** Per example: fraction of ReLU units whose on/off state (pre-activation > 0) is not constant along the path. */
  reluChange: number[];
  /** Per example: fraction of ReLU units whose state at x + delta differs from that at x. */
  reluChangeEndpoints: number[];
  /** Per example: sum over points and logits of |z_{i+1} - 2 z_i + z_{i-1}| (no division by dt^2). */
  roughness: number[];
  /** ReLU units per example (0 for a model without ReLUs: then both fractions are 0). */
  units: number;
}

/**
 * Path observables for every example of x [N, C, H, W] and its direction
 * delta (same shape). Each example's path (points inputs) is one forward pass
 * in evaluation mode; ReLU inputs come from ctx.preActivations.
 */
export async function pathObservables(
  model: Classifier,
  x: Tensor,
  delta: Tensor,
  opts: PathOptions = {},
): Promise<PathObservables> {
  const P = opts.points ?? 100;
  if (P < 3) throw new Error(`pathObservables: needs at least 3 points, got ${P}`);
  if (x.shape.join() !== delta.shape.join())
    throw new Error(`pathObservables: x [${x.shape.join(', ')}] and delta [${delta.shape.join(', ')}] differ in shape`);
  const n = x.shape[0];
  const per = x.size / n;
  const xd = await x.dataF64(),
    dd = await delta.dataF64();
  const out: PathObservables = { reluChange: [], reluChangeEndpoints: [], roughness: [], units: 0 };
  const buf = new Float64Array(P * per);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p++) {
      const t = p / (P - 1);
      for (let j = 0; j < per; j++) buf[p * per + j] = xd[i * per + j] + t * dd[i * per + j];
    }
    const outs = noGrad(() =>
      tidy(() => {
        const xs = tensor(buf, [P, ...x.shape.slice(1)], x.backend);
        const ctx = { preActivations: [] as Tensor[] };
        const z = model.forward(xs, ctx);
        return [z, ...ctx.preActivations];
      }),
    );
    const arrs: Float64Array[] = [];
    for (const t of outs) arrs.push(await t.dataF64());
    for (const t of outs) t.dispose();
    const [logits, ...pre] = arrs;
    const k = logits.length / P;
    let rough = 0;
    for (let p = 1; p < P - 1; p++) {
      for (let c = 0; c < k; c++)
        rough += Math.abs(logits[(p + 1) * k + c] - 2 * logits[p * k + c] + logits[(p - 1) * k + c]);
    }
    let units = 0,
      changed = 0,
      changedEnd = 0;
    for (const a of pre) {
      const u = a.length / P;
      units += u;
      for (let j = 0; j < u; j++) {
        const s0 = a[j] > 0;
        let flip = false;
        for (let p = 1; p < P && !flip; p++) if (a[p * u + j] > 0 !== s0) flip = true;
        if (flip) changed++;
        if (a[(P - 1) * u + j] > 0 !== s0) changedEnd++;
      }
    }
    out.units = units;
    out.reluChange.push(units ? changed / units : 0);
    out.reluChangeEndpoints.push(units ? changedEnd / units : 0);
    out.roughness.push(rough);
  }
  return out;
}

/** Per-example lp norm (p = 1, 2 or Infinity) of host data [N, ...] (vecNorm, the attacks' host norm). */
export function perExampleNorm(d: ArrayLike<number>, n: number, p: 1 | 2 | number): number[] {
  const norm: Norm =
    p === Infinity
      ? 'linf'
      : p === 2
        ? 'l2'
        : p === 1
          ? 'l1'
          : (() => {
              throw new Error(`perExampleNorm: p must be 1, 2 or Infinity, got ${p}`);
            })();
  const per = d.length / n;
  return Array.from({ length: n }, (_, i) => vecNorm(d, norm, i * per, per));
}
