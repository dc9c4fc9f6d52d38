// SGD with momentum and weight decay, PyTorch semantics, applied in place by
// the backend's fused `sgdStep` kernel:
//   g' = g + wd * p;  v = momentum * v + g';  p -= lr * (nesterov ? g' + momentum * v : v)
// (v starts at 0, so the first step uses v = g', as PyTorch does.)
import { keep, type Tensor } from '../../engine/tensor.ts';
import { full, tensor } from '../../engine/ops/creation.ts';

/** SGD settings: learning rate, momentum, weight decay, Nesterov. */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** SGD with momentum and weight decay (PyTorch semantics), stepping in place through the backend's sgdStep kernel. */
export class SGD {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  steps = 0;
  readonly velocity = new Map<string, Tensor>();

  constructor(
    readonly params: Map<string, Tensor>,
    o: SGDOptions,
    saved?: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>,
  ) {
    this.lr = o.lr;
    this.momentum = o.momentum ?? 0;
    this.weightDecay = o.weightDecay ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (this.nesterov && this.momentum <= 0) throw new Error('SGD: Nesterov momentum needs momentum > 0');
    for (const [name, p] of params) {
      const s = saved?.get(name);
      if (saved && !s) throw new Error(`SGD: the saved optimiser state has no momentum buffer for '${name}'`);
      if (s && s.data.length !== p.size)
        throw new Error(`SGD: saved momentum for '${name}' has ${s.data.length} values, parameter has ${p.size}`);
      this.velocity.set(name, keep(s ? tensor(s.data, p.shape, p.backend) : full(p.shape, 0, p.backend)));
    }
  }

  /** Apply one step with the gradients of the parameters (by tensor or by name); missing gradients are skipped. */
  step(grads: Map<Tensor, Tensor> | Map<string, Tensor>): void {
    for (const [name, p] of this.params) {
      const g = (grads as Map<unknown, Tensor>).get(p) ?? (grads as Map<unknown, Tensor>).get(name);
      if (!g) continue;
      if (g.size !== p.size)
        throw new Error(`SGD: gradient for '${name}' has ${g.size} values, parameter has ${p.size}`);
      const v = this.velocity.get(name)!;
      p.backend.sgdStep(p.buffer, g.buffer, v.buffer, this.lr, this.momentum, this.weightDecay, this.nesterov);
    }
    this.steps++;
  }

  state(): { name: 'sgd'; lr: number; momentum: number; weightDecay: number; nesterov: boolean; steps: number } {
    return {
      name: 'sgd',
      lr: this.lr,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      steps: this.steps,
    };
  }

  dispose(): void {
    for (const v of this.velocity.values()) v.dispose();
  }
}
