// Reverse-mode differentiation over the recorded graph, and the gradient-path
// inspection API (graph listing, JSON export, hooks on any tensor).
import { engine, keep, noGrad, Tensor, tidy } from '../tensor.ts';
import { fmt, sameShape } from '../core/shape.ts';
import { add, detach } from '../ops/elementwise.ts';
import { full, ones } from '../ops/creation.ts';

/** Tensors reachable from root through recorded ops, inputs before outputs. */
export function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    if (t.node) for (const p of t.node.inputs) if (p.requiresGrad && !seen.has(p)) stack.push([p, false]);
  }
  return order;
}

/** Options of backward(): which tensors receive gradients, the seed gradient, whether the backward pass is itself recorded. */
export interface BackwardOptions {
  /** Gradient of the root (default: ones; required shape = root shape). */
  seed?: Tensor;
  /** Only these tensors get gradients (returned in a Map; `.grad` untouched). Default: accumulate into every leaf's .grad. */
  targets?: readonly Tensor[];
  /**
   * Record the backward pass itself, so the gradients can be differentiated again
   * (gradient penalties, Hessian-vector products). Nothing is freed early then: call it
   * inside a tidy() that also holds the forward pass and the second backward.
   */
  createGraph?: boolean;
  /**
   * With `targets`: skip every op input that lies on no path from a target to the root
   * (default true), so e.g. an attack's backward runs no weight-gradient kernel.
   * false runs the full backward (for comparisons; the target gradients are identical).
   */
  prune?: boolean;
}

/**
 * The tensors of `order` (inputs first) that depend on a seed: the targets, and tensors
 * with hooks (their gradient is observed). Only these need a gradient.
 */
function dependents(order: readonly Tensor[], seeds: ReadonlySet<Tensor>): Set<Tensor> {
  const out = new Set<Tensor>();
  for (const t of order) {
    if (seeds.has(t) || t.hooks.length > 0 || (t.node && t.node.inputs.some((p) => out.has(p)))) out.add(t);
  }
  return out;
}

/**
 * Propagate d root / d t to every tensor t in the graph. Without `targets`,
 * leaves (requireGrad()) and retainGrad() tensors accumulate into `.grad`.
 * Intermediate gradients are freed as soon as they have been used.
 */
export function backward(root: Tensor, opts: BackwardOptions = {}): Map<Tensor, Tensor> {
  if (!root.requiresGrad) throw new Error(`backward: ${root} does not depend on any tensor that requires a gradient`);
  if (!opts.seed && root.size !== 1)
    throw new Error(`backward: root ${fmt(root.shape)} is not a scalar; pass a seed gradient of the same shape`);
  if (opts.seed && !sameShape(opts.seed.shape, root.shape))
    throw new Error(`backward: seed ${fmt(opts.seed.shape)} does not match root ${fmt(root.shape)}`);
  const targets = opts.targets ? new Set(opts.targets) : null;
  const result = new Map<Tensor, Tensor>();
  const order = topoOrder(root);
  const mask = targets && opts.prune !== false ? dependents(order, targets) : null;
  const needed = (p: Tensor): boolean => p.requiresGrad && (!mask || mask.has(p));
  const grads = new Map<Tensor, Tensor>();
  // gradients can be shared (add() sends g to both inputs): free one only when nothing holds it
  const release = (x: Tensor): void => {
    if (opts.createGraph || x === opts.seed || [...grads.values()].includes(x) || [...result.values()].includes(x))
      return;
    x.dispose();
  };
  const run = opts.createGraph ? <R>(f: () => R): R => f() : noGrad;
  // with createGraph the intermediates of each op's backward stay alive: later nodes may read them
  const scope = opts.createGraph ? <R>(f: () => R): R => f() : tidy;
  run(() => {
    grads.set(root, opts.seed ?? ones(root.shape, root.backend));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      let g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      for (const h of t.hooks) {
        const r = h(g, t);
        if (r) {
          if (!sameShape(r.shape, t.shape))
            throw new Error(`hook on ${t} returned a gradient of shape ${fmt(r.shape)}`);
          g = r;
        }
      }
      const wanted = targets ? targets.has(t) : !t.node || t.retainsGrad;
      let gKept = false; // g itself became a result and must not be freed
      if (wanted) {
        // an intermediate's gradient also flows on to its inputs: store a copy
        const own = t.node ? add(g, 0) : g;
        let res = own;
        if (!targets && t.grad) {
          res = add(t.grad, own);
          t.grad.dispose();
          if (own !== g) own.dispose();
        }
        if (!targets) t.grad = res;
        // with targets the caller owns the gradients (tidy() frees them unless returned); .grad must outlive every scope
        result.set(t, targets ? res : keep(res));
        gKept = res === g;
      }
      if (t.node && t.node.inputs.some(needed)) {
        const node = t.node;
        const gin = scope(() => withMask(mask, () => node.backward(g!)));
        for (let k = 0; k < node.inputs.length; k++) {
          const p = node.inputs[k],
            gp = gin[k];
          if (!gp) continue;
          if (!needed(p)) {
            release(gp);
            continue;
          }
          if (!sameShape(gp.shape, p.shape))
            throw new Error(
              `backward: op '${node.op}' produced a gradient ${fmt(gp.shape)} for input ${fmt(p.shape)} (engine bug)`,
            );
          const prev = grads.get(p);
          if (prev) {
            grads.set(p, add(prev, gp));
            release(prev);
            release(gp);
          } else grads.set(p, gp);
        }
      }
      if (!gKept) release(g);
    }
  });
  return result;
}

/** Run fn with the gradient mask the op closures consult (needsGrad). */
function withMask<R>(mask: ReadonlySet<Tensor> | null, fn: () => R): R {
  const prev = engine.gradMask;
  engine.gradMask = mask;
  try {
    return fn();
  } finally {
    engine.gradMask = prev;
  }
}

/** Zero (dispose) the gradients of the given tensors. */
export function zeroGrad(ts: Iterable<Tensor>): void {
  for (const t of ts) {
    t.grad?.dispose();
    t.grad = null;
  }
}

type Fn = (...xs: Tensor[]) => Tensor;

/**
 * Functional gradient: valueAndGrad(f)(x1, x2, ...) returns f's value and its
 * gradient with respect to each argument. Parameters used inside f keep their
 * `.grad` untouched. f must return a scalar (or pass `seed`).
 */
export function valueAndGrad(f: Fn, seed?: Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...xs: Tensor[]) => {
    const out = tidy(() => {
      const leaves = xs.map((x) => {
        const c = detach(x);
        c.requiresGrad = true;
        c.name = x.name;
        return c;
      });
      const value = f(...leaves);
      if (!value.requiresGrad) throw new Error('valueAndGrad: the function output does not depend on its arguments');
      const map = backward(value, { targets: leaves, seed });
      const grads = leaves.map((l) => map.get(l) ?? full(l.shape, 0, l.backend));
      value.node = null;
      value.requiresGrad = false;
      return { value, grads };
    });
    return out;
  };
}

/** Functional gradient: grad(f)(x1, x2, ...) returns d f / d xi for each argument (valueAndGrad without the value). */
export function grad(f: Fn, seed?: Tensor): (...xs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f, seed);
  return (...xs) => {
    const { value, grads } = vg(...xs);
    value.dispose();
    return grads;
  };
}

/** One recorded step of the graph, for listings and the web app. */
export interface GraphNodeInfo {
  id: number;
  op: string;
  shape: number[];
  name?: string;
  inputs: number[];
  requiresGrad: boolean;
  attrs?: Record<string, unknown>;
}

/** The recorded graph that produced `root`, inputs first. Leaves have op 'leaf'. */
export function graphOf(root: Tensor): GraphNodeInfo[] {
  return topoOrder(root).map((t) => ({
    id: t.id,
    op: t.node ? t.node.op : 'leaf',
    shape: [...t.shape],
    name: t.name,
    inputs: t.node ? t.node.inputs.filter((p) => p.requiresGrad).map((p) => p.id) : [],
    requiresGrad: t.requiresGrad,
    attrs: t.node?.attrs ? JSON.parse(JSON.stringify(t.node.attrs)) : undefined,
  }));
}

/** Human-readable listing: one line per tensor, `#id op [shape] <- #parents`. */
export function formatGraph(root: Tensor): string {
  return graphOf(root)
    .map(
      (n) =>
        `#${n.id}${n.name ? ` '${n.name}'` : ''} ${n.op} ${fmt(n.shape)}${n.inputs.length ? ` <- ${n.inputs.map((i) => `#${i}`).join(', ')}` : ''}`,
    )
    .join('\n');
}

/**
 * Capture the gradient flowing through each listed tensor during the next
 * backward pass. Returns a map filled in as backward runs (copies, kept alive
 * until you dispose them) and a function that removes the hooks.
 */
export function captureGradients(ts: readonly Tensor[]): { grads: Map<Tensor, Tensor>; remove: () => void } {
  const grads = new Map<Tensor, Tensor>();
  const removers = ts.map((t) =>
    t.registerHook((g) => {
      grads.get(t)?.dispose();
      grads.set(t, keep(add(g, 0)));
    }),
  );
  return { grads, remove: () => removers.forEach((r) => r()) };
}
