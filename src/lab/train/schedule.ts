// Learning-rate schedules (per epoch; epoch counted from 0).
//   constant      lr(e) = lr0
//   step          lr(e) = lr0 * 0.3^floor(e / 4)            (the authors' code: x0.3 every 4 epochs)
//   linear-reset  lr(e) = lr0 * (1 - 0.7 * (e mod 20) / 19)  (our reading of the paper's text: a linear
//                 decay from lr0 to 0.3 lr0 over 20 epochs, reset to lr0 at epoch 20)
// Options: 'step:F:N' (factor F every N epochs), 'linear-reset:P:M' (period P, final multiplier M).
/** The learning-rate schedules. */
export type ScheduleName = 'constant' | 'step' | 'linear-reset';

/** A learning-rate schedule: the rate of each epoch. */
export interface Schedule {
  name: string;
  lr(epoch: number): number;
}

/** A schedule from its spec: 'constant', 'step' (x0.3 every 4 epochs), 'step:F:N', 'linear-reset', 'linear-reset:P:M'. */
export function makeSchedule(spec: string, lr0: number): Schedule {
  const [name, a, b] = spec.split(':');
  const num = (v: string | undefined, d: number, what: string): number => {
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`schedule '${spec}': ${what} must be a positive number, got '${v}'`);
    return n;
  };
  switch (name) {
    case 'constant':
      return { name: spec, lr: () => lr0 };
    case 'step': {
      const f = num(a, 0.3, 'factor'),
        n = num(b, 4, 'period');
      return { name: spec, lr: (e) => lr0 * f ** Math.floor(e / n) };
    }
    case 'linear-reset': {
      const p = num(a, 20, 'period'),
        m = num(b, 0.3, 'final multiplier');
      return { name: spec, lr: (e) => lr0 * (1 - ((1 - m) * (e % p)) / Math.max(p - 1, 1)) };
    }
    default:
      throw new Error(`unknown schedule '${name}' (constant, step[:factor:every], linear-reset[:period:final])`);
  }
}
