// A minimal in-memory training loop for the experiments' quick runs: SGD with
// momentum (PyTorch convention: v <- mu v + g; w <- w - lr v), seeded shuffling,
// summed-over-batch mean cross-entropy, a callback after every epoch (and every
// `every` batches, for learning-dynamics snapshots). The full trainer with
// checkpoints, schedules and resume is src/train (data/models area); this one
// exists so that experiments can train small models on data already in memory.
import { Tensor, tidy, keep } from '../../engine/tensor.ts';
import { tensor, zeros } from '../../engine/ops/creation.ts';
import { crossEntropy } from '../../engine/ops/nn.ts';
import { backward } from '../../engine/autograd/backward.ts';
import { permutation } from '../../engine/core/random.ts';
import type { Classifier } from '../nn/types.ts';
import type { Batch } from './pipeline.ts';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  seed?: number;
  /** Learning rate multiplied by `decay` every `decayEvery` epochs (the authors' code: 0.3 every 4). */
  decay?: number;
  decayEvery?: number;
  /** Called with the running progress (batches done / total). */
  onBatch?: (done: number, total: number, loss: number) => void;
  /** Called every `snapshotEvery` batches (and after the last), e.g. to record dynamics. */
  snapshotEvery?: number;
  onSnapshot?: (info: { epoch: number; batch: number; step: number }) => Promise<void> | void;
}

/** Slice rows idx of a batch into a tensor. */
export function batchRows(b: Batch, idx: ArrayLike<number>): { x: Tensor; labels: number[] } {
  const [, c, h, w] = b.shape;
  const per = c * h * w;
  const out = new Float32Array(idx.length * per);
  const labels: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    out.set(b.x.subarray(idx[k] * per, (idx[k] + 1) * per), k * per);
    labels.push(b.labels[idx[k]]);
  }
  return { x: tensor(out, [idx.length, c, h, w]), labels };
}

/** Train in place; returns the mean training loss of each epoch. */
export async function fit(model: Classifier, data: Batch, o: FitOptions): Promise<number[]> {
  const params = [...model.parameters().values()];
  for (const p of params) p.requireGrad();
  const vel = params.map((p) => zeros(p.shape, p.backend));
  const n = data.shape[0];
  const perEpoch = Math.ceil(n / o.batchSize);
  const total = perEpoch * o.epochs;
  const mu = o.momentum ?? 0.9, wd = o.weightDecay ?? 0;
  const losses: number[] = [];
  let step = 0;
  model.setTraining(true);
  try {
    for (let e = 0; e < o.epochs; e++) {
      const lr = o.lr * (o.decay && o.decayEvery ? o.decay ** Math.floor(e / o.decayEvery) : 1);
      const perm = permutation(n, o.seed ?? 0, 1000 + e);
      let sumLoss = 0;
      for (let b = 0; b < perEpoch; b++) {
        const idx = perm.subarray(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
        const { x, labels } = batchRows(data, idx);
        const lossT = tidy(() => {
          const loss = crossEntropy(model.forward(x), labels);
          const g = backward(loss, { targets: params });
          // in place on the backend (PyTorch semantics: g' = g + wd p; v = mu v + g'; p -= lr v)
          params.forEach((p, i) => {
            const gi = g.get(p);
            if (gi) p.backend.sgdStep(p.buffer, gi.buffer, vel[i].buffer, lr, mu, wd, false);
          });
          for (const t of g.values()) t.dispose();
          return keep(loss);
        });
        x.dispose();
        const lv = await lossT.item();
        lossT.dispose();
        if (!Number.isFinite(lv)) throw new Error(`fit: the loss became ${lv} at epoch ${e}, batch ${b} (lr ${lr}); lower the learning rate`);
        sumLoss += lv * idx.length;
        step++;
        o.onBatch?.(step, total, lv);
        if (o.onSnapshot && o.snapshotEvery && step % o.snapshotEvery === 0) {
          model.setTraining(false);
          await o.onSnapshot({ epoch: e, batch: b, step });
          model.setTraining(true);
        }
      }
      losses.push(sumLoss / n);
    }
  } finally {
    model.setTraining(false);
    vel.forEach((v) => v.dispose());
  }
  return losses;
}
