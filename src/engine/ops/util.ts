// Helpers shared by the op modules.
import type { Backend } from '../backends/backend.ts';
import { engine, Tensor } from '../tensor.ts';
import { fmt, ShapeError } from '../core/shape.ts';

export type TensorLike = Tensor | number;

/** The common backend of the inputs; names the op if they differ or one is disposed. */
export function backendOf(op: string, ...ts: Tensor[]): Backend {
  if (ts.length === 0) return engine.backend;
  const b = ts[0].backend;
  for (const t of ts) {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${typeof t}`);
    if (t.disposed)
      throw new Error(`${op}: input tensor #${t.id} ${fmt(t.shape)}${t.name ? ` '${t.name}'` : ''} was disposed`);
    if (t.backend !== b)
      throw new Error(
        `${op}: inputs live on different backends (${b.name}/${b.dtype} and ${t.backend.name}/${t.backend.dtype}, or two instances); move them with toBackend()`,
      );
  }
  return b;
}

export function requireRank(op: string, t: Tensor, rank: number, what = 'input'): void {
  if (t.rank !== rank) throw new ShapeError(op, `${what} must have rank ${rank}, got shape ${fmt(t.shape)}`);
}
