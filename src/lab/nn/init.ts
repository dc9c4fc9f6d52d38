// Parameter creation and initialisation for the model zoo.
//
// Every parameter is drawn from the counter-based generator with the model seed
// and its own stream number (its creation index), so a model is a pure function
// of (spec, input shape, classes, seed) on every backend. Initialisation follows
// PyTorch's defaults for nn.Linear / nn.Conv2d (kaiming_uniform with a = sqrt(5)):
//   weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),  bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
// with fan_in = in_features (linear), C*kh*kw (conv, locally connected) or C*H*W
// (full-width circular conv). Batch norm: gamma = 1, beta = 0, running mean 0, var 1.
import { Tensor, keep } from '../../engine/tensor.ts';
import { tensor, full } from '../../engine/ops/creation.ts';
import { uniformArray } from '../../engine/core/random.ts';

/** Stands for a parameter in plan mode; never computed with. */
const PLACEHOLDER = Object.freeze({ placeholder: true }) as unknown as Tensor;

export class ParamStore {
  readonly params = new Map<string, Tensor>();
  readonly buffers = new Map<string, Tensor>();
  private stream = 0;
  /**
   * With `plan`, nothing is allocated: each parameter and buffer only records its shape there (the
   * returned tensors are placeholders, so the model built on such a store must never run). Used to
   * check a checkpoint or the model size before any memory is spent.
   */
  constructor(
    readonly seed: number,
    private readonly init?: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>,
    private readonly plan?: Map<string, number[]>,
  ) {}

  private planned(name: string, shape: readonly number[]): Tensor | null {
    if (!this.plan) return null;
    if (this.plan.has(name)) throw new Error(`model: duplicate parameter name '${name}'`);
    this.plan.set(name, [...shape]);
    return PLACEHOLDER;
  }

  private fromInit(name: string, shape: readonly number[]): Tensor | null {
    const v = this.init?.get(name);
    if (!v) return null;
    const n = shape.reduce((a, b) => a * b, 1);
    if (v.data.length !== n || v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
      throw new Error(
        `model: saved tensor '${name}' has shape [${v.shape.join(', ')}] but the model needs [${shape.join(', ')}]`,
      );
    }
    return keep(tensor(v.data, shape));
  }

  /** A trainable parameter ~ U(-bound, bound) (or taken from the saved state). */
  uniform(name: string, shape: readonly number[], bound: number): Tensor {
    const stream = this.stream++;
    const p = this.planned(name, shape);
    if (p) return p;
    let t = this.fromInit(name, shape);
    if (!t) {
      const n = shape.reduce((a, b) => a * b, 1);
      const u = uniformArray(n, this.seed, stream);
      for (let i = 0; i < n; i++) u[i] = (2 * u[i] - 1) * bound;
      t = keep(tensor(u, shape));
    }
    return this.addParam(name, t);
  }

  constant(name: string, shape: readonly number[], value: number): Tensor {
    this.stream++;
    const p = this.planned(name, shape);
    if (p) return p;
    const t = this.fromInit(name, shape) ?? keep(full(shape, value));
    return this.addParam(name, t);
  }

  buffer(name: string, shape: readonly number[], value: number): Tensor {
    const p = this.planned(name, shape);
    if (p) return p;
    const t = this.fromInit(name, shape) ?? keep(full(shape, value));
    t.setName(name);
    this.buffers.set(name, t);
    return t;
  }

  private addParam(name: string, t: Tensor): Tensor {
    if (this.params.has(name)) throw new Error(`model: duplicate parameter name '${name}'`);
    t.requireGrad().setName(name);
    this.params.set(name, t);
    return t;
  }

  /** Replace a buffer (e.g. new running statistics), freeing the old one. */
  replaceBuffer(name: string, t: Tensor): void {
    const old = this.buffers.get(name);
    keep(t);
    t.node = null;
    t.requiresGrad = false;
    t.setName(name);
    this.buffers.set(name, t);
    if (old && old !== t) old.dispose();
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    for (const t of this.buffers.values()) t.dispose();
  }
}

/** PyTorch's default bound for a layer with the given fan-in. */
export const defaultBound = (fanIn: number): number => 1 / Math.sqrt(fanIn);
