// Shape arithmetic shared by the front end and every backend.
// Tensors are contiguous row-major; views are always materialised by a kernel.

export type Shape = readonly number[];

/** Error raised for bad user input; the message names the op and the shapes. */
export class ShapeError extends Error {
  constructor(op: string, detail: string) {
    super(`${op}: ${detail}`);
    this.name = 'ShapeError';
  }
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row layout of a concatenation along `axis` (the backends' concat): `outer` rows,
 * each the inputs' `inners[i]` values side by side at `offsets[i]`, `total` per row.
 */
export function concatLayout(
  shapes: readonly Shape[],
  axis: number,
): { outer: number; inners: number[]; offsets: number[]; total: number } {
  const outer = sizeOf(shapes[0].slice(0, axis));
  const inners = shapes.map((sh) => sizeOf(sh.slice(axis)));
  const offsets: number[] = [];
  let total = 0;
  for (const w of inners) {
    offsets.push(total);
    total += w;
  }
  return { outer, inners, offsets, total };
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(op, `invalid shape ${fmt(shape)}: sizes must be non-negative integers`);
  }
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)];
    const db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `out` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const st = stridesOf(shape);
  const off = out.length - shape.length;
  const res = new Array<number>(out.length).fill(0);
  for (let i = 0; i < shape.length; i++) res[i + off] = shape[i] === 1 && out[i + off] !== 1 ? 0 : st[i];
  return res;
}

/** Normalise an axis argument (negative counts from the end). */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const res = [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((x, y) => x - y);
  return res;
}
