// Reference backend: plain TypeScript loops, float64 accumulation, optional
// float64 storage (for finite-difference gradient checks). It is written to be
// obviously right, not fast, and is the oracle for the WASM and WebGPU backends.

import type {
  Backend,
  BinaryOp,
  Buffer,
  CircConvParams,
  ConvParams,
  DType,
  MatmulParams,
  MemoryInfo,
  PadMode,
  ReduceOp,
  UnaryOp,
} from '../backend.ts';
import { concatLayout, sizeOf, stridesOf } from '../../core/shape.ts';
import { fft2dInterleaved, fftStrided } from '../../fft/host.ts';

type Arr = Float32Array | Float64Array;

class RefBuffer implements Buffer {
  disposed = false;
  constructor(public data: Arr) {}
  get size(): number {
    return this.data.length;
  }
}

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  relu: (x) => (x > 0 ? x : 0),
  step: (x) => (x > 0 ? 1 : 0),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
};

export const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  min: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  pow: Math.pow,
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  gate: (a, b) => (b > 0 ? a : 0),
};

/** Iterate a multi-index over `shape`, calling fn(flatIndex, index). */
function forEachIndex(shape: readonly number[], fn: (flat: number, idx: number[]) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    fn(f, idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** Plain TypeScript loops with float64 accumulation (optionally float64 storage): the oracle the other backends are tested against. */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly syncRead = true;
  private live = 0;
  private liveBytes = 0;

  constructor(readonly dtype: DType = 'float32') {}

  private wrap(data: Arr): RefBuffer {
    this.live++;
    this.liveBytes += data.byteLength;
    return new RefBuffer(data);
  }
  private alloc(n: number): RefBuffer {
    return this.wrap(this.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  }
  private arr(b: Buffer): Arr {
    const r = b as RefBuffer;
    if (r.disposed) throw new Error('reference backend: buffer used after dispose');
    return r.data;
  }

  fromArray(data: ArrayLike<number>): Buffer {
    const out = this.alloc(data.length);
    out.data.set(data as ArrayLike<number>);
    return out;
  }
  fill(size: number, value: number): Buffer {
    const out = this.alloc(size);
    out.data.fill(value);
    return out;
  }
  read(buf: Buffer): Promise<Arr> {
    return Promise.resolve(this.readSync(buf));
  }
  readSync(buf: Buffer): Arr {
    return this.arr(buf).slice();
  }
  dispose(buf: Buffer): void {
    const r = buf as RefBuffer;
    if (r.disposed) return;
    r.disposed = true;
    this.live--;
    this.liveBytes -= r.data.byteLength;
  }
  memory(): MemoryInfo {
    return { buffers: this.live, bytes: this.liveBytes };
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }

  unary(op: UnaryOp, x: Buffer): Buffer {
    const a = this.arr(x),
      out = this.alloc(a.length),
      f = unaryFns[op];
    for (let i = 0; i < a.length; i++) out.data[i] = f(a[i]);
    return out;
  }

  binary(
    op: BinaryOp,
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer {
    const A = this.arr(a),
      B = this.arr(b),
      f = binaryFns[op];
    const out = this.alloc(sizeOf(outShape));
    forEachIndex(outShape, (flat, idx) => {
      let ia = 0,
        ib = 0;
      for (let d = 0; d < idx.length; d++) {
        ia += idx[d] * aStrides[d];
        ib += idx[d] * bStrides[d];
      }
      out.data[flat] = f(A[ia], B[ib]);
    });
    return out;
  }

  binaryScalar(op: BinaryOp, x: Buffer, s: number, scalarFirst: boolean): Buffer {
    const A = this.arr(x),
      out = this.alloc(A.length),
      f = binaryFns[op];
    for (let i = 0; i < A.length; i++) out.data[i] = scalarFirst ? f(s, A[i]) : f(A[i], s);
    return out;
  }

  where(
    cond: Buffer,
    cStrides: readonly number[],
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer {
    const C = this.arr(cond),
      A = this.arr(a),
      B = this.arr(b);
    const out = this.alloc(sizeOf(outShape));
    forEachIndex(outShape, (flat, idx) => {
      let ic = 0,
        ia = 0,
        ib = 0;
      for (let d = 0; d < idx.length; d++) {
        ic += idx[d] * cStrides[d];
        ia += idx[d] * aStrides[d];
        ib += idx[d] * bStrides[d];
      }
      out.data[flat] = C[ic] !== 0 ? A[ia] : B[ib];
    });
    return out;
  }

  reduceLast(op: ReduceOp, x: Buffer, outer: number, n: number): Buffer {
    const A = this.arr(x),
      out = this.alloc(outer);
    for (let o = 0; o < outer; o++) {
      let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
      for (let i = 0; i < n; i++) {
        const v = A[o * n + i];
        if (op === 'sum') acc += v;
        else if (op === 'max') acc = v > acc || Number.isNaN(v) ? v : acc;
        else acc = v < acc || Number.isNaN(v) ? v : acc;
      }
      out.data[o] = acc;
    }
    return out;
  }

  transpose(x: Buffer, shape: readonly number[], perm: readonly number[]): Buffer {
    const A = this.arr(x),
      st = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]);
    const out = this.alloc(A.length);
    forEachIndex(outShape, (flat, idx) => {
      let src = 0;
      for (let d = 0; d < idx.length; d++) src += idx[d] * st[perm[d]];
      out.data[flat] = A[src];
    });
    return out;
  }

  slice(x: Buffer, shape: readonly number[], begin: readonly number[], size: readonly number[]): Buffer {
    const A = this.arr(x),
      st = stridesOf(shape);
    const out = this.alloc(sizeOf(size));
    forEachIndex(size, (flat, idx) => {
      let src = 0;
      for (let d = 0; d < idx.length; d++) src += (idx[d] + begin[d]) * st[d];
      out.data[flat] = A[src];
    });
    return out;
  }

  pad(x: Buffer, shape: readonly number[], before: readonly number[], after: readonly number[], mode: PadMode): Buffer {
    const A = this.arr(x),
      st = stridesOf(shape);
    const outShape = shape.map((s, d) => s + before[d] + after[d]);
    const out = this.alloc(sizeOf(outShape));
    forEachIndex(outShape, (flat, idx) => {
      let src = 0;
      for (let d = 0; d < idx.length; d++) {
        let i = idx[d] - before[d];
        if (i < 0 || i >= shape[d]) {
          if (mode === 'zero' || shape[d] === 0) {
            src = -1;
            break;
          }
          i = mod(i, shape[d]);
        }
        src += i * st[d];
      }
      out.data[flat] = src < 0 ? 0 : A[src];
    });
    return out;
  }

  concat(xs: readonly Buffer[], shapes: readonly (readonly number[])[], axis: number): Buffer {
    const { outer, inners, offsets, total } = concatLayout(shapes, axis);
    const out = this.alloc(outer * total);
    xs.forEach((x, i) => {
      const A = this.arr(x),
        w = inners[i],
        off = offsets[i];
      for (let o = 0; o < outer; o++) for (let j = 0; j < w; j++) out.data[o * total + off + j] = A[o * w + j];
    });
    return out;
  }

  matmul(a: Buffer, b: Buffer, p: MatmulParams): Buffer {
    const A = this.arr(a),
      B = this.arr(b);
    const { batch, m, k, n, transA, transB } = p;
    const out = this.alloc(batch * m * n);
    for (let bt = 0; bt < batch; bt++) {
      const oa = (p.batchA === 1 ? 0 : bt) * m * k,
        ob = (p.batchB === 1 ? 0 : bt) * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let q = 0; q < k; q++) {
            const av = transA ? A[oa + q * m + i] : A[oa + i * k + q];
            const bv = transB ? B[ob + j * k + q] : B[ob + q * n + j];
            acc += av * bv;
          }
          out.data[bt * m * n + i * n + j] = acc;
        }
      }
    }
    return out;
  }

  /** Input index for output (i,j) and tap (u,v), or -1 for a zero-padded cell. */
  private static tapIndex(p: ConvParams, i: number, j: number, u: number, v: number): number {
    let y = i * p.stride + u - p.padTop,
      x = j * p.stride + v - p.padLeft;
    if (p.mode === 'circular') {
      y = mod(y, p.H);
      x = mod(x, p.W);
    } else if (y < 0 || y >= p.H || x < 0 || x >= p.W) return -1;
    return y * p.W + x;
  }

  conv2d(x: Buffer, w: Buffer, p: ConvParams): Buffer {
    const X = this.arr(x),
      Wt = this.arr(w),
      HW = p.H * p.W,
      K = p.kh * p.kw;
    const out = this.alloc(p.N * p.O * p.Ho * p.Wo);
    for (let n = 0; n < p.N; n++)
      for (let o = 0; o < p.O; o++)
        for (let i = 0; i < p.Ho; i++)
          for (let j = 0; j < p.Wo; j++) {
            let acc = 0;
            for (let c = 0; c < p.C; c++)
              for (let u = 0; u < p.kh; u++)
                for (let v = 0; v < p.kw; v++) {
                  const t = ReferenceBackend.tapIndex(p, i, j, u, v);
                  if (t >= 0) acc += Wt[(o * p.C + c) * K + u * p.kw + v] * X[(n * p.C + c) * HW + t];
                }
            out.data[((n * p.O + o) * p.Ho + i) * p.Wo + j] = acc;
          }
    return out;
  }

  conv2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer {
    const G = this.arr(g),
      Wt = this.arr(w),
      HW = p.H * p.W,
      K = p.kh * p.kw;
    const acc = new Float64Array(p.N * p.C * HW);
    for (let n = 0; n < p.N; n++)
      for (let o = 0; o < p.O; o++)
        for (let i = 0; i < p.Ho; i++)
          for (let j = 0; j < p.Wo; j++) {
            const gv = G[((n * p.O + o) * p.Ho + i) * p.Wo + j];
            for (let c = 0; c < p.C; c++)
              for (let u = 0; u < p.kh; u++)
                for (let v = 0; v < p.kw; v++) {
                  const t = ReferenceBackend.tapIndex(p, i, j, u, v);
                  if (t >= 0) acc[(n * p.C + c) * HW + t] += gv * Wt[(o * p.C + c) * K + u * p.kw + v];
                }
          }
    return this.fromArray(acc);
  }

  conv2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer {
    const X = this.arr(x),
      G = this.arr(g),
      HW = p.H * p.W,
      K = p.kh * p.kw;
    const acc = new Float64Array(p.O * p.C * K);
    for (let n = 0; n < p.N; n++)
      for (let o = 0; o < p.O; o++)
        for (let i = 0; i < p.Ho; i++)
          for (let j = 0; j < p.Wo; j++) {
            const gv = G[((n * p.O + o) * p.Ho + i) * p.Wo + j];
            for (let c = 0; c < p.C; c++)
              for (let u = 0; u < p.kh; u++)
                for (let v = 0; v < p.kw; v++) {
                  const t = ReferenceBackend.tapIndex(p, i, j, u, v);
                  if (t >= 0) acc[(o * p.C + c) * K + u * p.kw + v] += gv * X[(n * p.C + c) * HW + t];
                }
          }
    return this.fromArray(acc);
  }

  /** Weight index of w[o, c, i, j, u*kw+v] in the locally connected layout. */
  private static lcIndex(p: ConvParams, o: number, c: number, i: number, j: number, u: number, v: number): number {
    return (((o * p.C + c) * p.Ho + i) * p.Wo + j) * p.kh * p.kw + u * p.kw + v;
  }

  local2d(x: Buffer, w: Buffer, p: ConvParams): Buffer {
    const X = this.arr(x),
      Wt = this.arr(w),
      HW = p.H * p.W;
    const out = this.alloc(p.N * p.O * p.Ho * p.Wo);
    for (let n = 0; n < p.N; n++)
      for (let o = 0; o < p.O; o++)
        for (let i = 0; i < p.Ho; i++)
          for (let j = 0; j < p.Wo; j++) {
            let acc = 0;
            for (let c = 0; c < p.C; c++)
              for (let u = 0; u < p.kh; u++)
                for (let v = 0; v < p.kw; v++) {
                  const t = ReferenceBackend.tapIndex(p, i, j, u, v);
                  if (t >= 0) acc += Wt[ReferenceBackend.lcIndex(p, o, c, i, j, u, v)] * X[(n * p.C + c) * HW + t];
                }
            out.data[((n * p.O + o) * p.Ho + i) * p.Wo + j] = acc;
          }
    return out;
  }

  local2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer {
    const G = this.arr(g),
      Wt = this.arr(w),
      HW = p.H * p.W;
    const acc = new Float64Array(p.N * p.C * HW);
    for (let n = 0; n < p.N; n++)
      for (let o = 0; o < p.O; o++)
        for (let i = 0; i < p.Ho; i++)
          for (let j = 0; j < p.Wo; j++) {
            const gv = G[((n * p.O + o) * p.Ho + i) * p.Wo + j];
            for (let c = 0; c < p.C; c++)
              for (let u = 0; u < p.kh; u++)
                for (let v = 0; v < p.kw; v++) {
                  const t = ReferenceBackend.tapIndex(p, i, j, u, v);
                  if (t >= 0) acc[(n * p.C + c) * HW + t] += gv * Wt[ReferenceBackend.lcIndex(p, o, c, i, j, u, v)];
                }
          }
    return this.fromArray(acc);
  }

  local2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer {
    const X = this.arr(x),
      G = this.arr(g),
      HW = p.H * p.W;
    const acc = new Float64Array(p.O * p.C * p.Ho * p.Wo * p.kh * p.kw);
    for (let n = 0; n < p.N; n++)
      for (let o = 0; o < p.O; o++)
        for (let i = 0; i < p.Ho; i++)
          for (let j = 0; j < p.Wo; j++) {
            const gv = G[((n * p.O + o) * p.Ho + i) * p.Wo + j];
            for (let c = 0; c < p.C; c++)
              for (let u = 0; u < p.kh; u++)
                for (let v = 0; v < p.kw; v++) {
                  const t = ReferenceBackend.tapIndex(p, i, j, u, v);
                  if (t >= 0) acc[ReferenceBackend.lcIndex(p, o, c, i, j, u, v)] += gv * X[(n * p.C + c) * HW + t];
                }
          }
    return this.fromArray(acc);
  }

  // Full-width circular convolutions through float64 FFTs. With X = F(x), W = F(w):
  // correlation out = F^-1(conj(W) X) summed over c; its input gradient is the
  // convolution F^-1(W G) summed over o; its filter gradient F^-1(conj(G) X) summed over n.
  private spectra(a: Arr, planes: number, H: number, W: number): Float64Array {
    const z = new Float64Array(planes * H * W * 2);
    for (let i = 0; i < planes * H * W; i++) z[2 * i] = a[i];
    fft2dInterleaved(z, planes, H, W, false);
    return z;
  }

  /** out[a, b] = real(F^-1( sum_s P[pa(a,s)] * (conj?)Q[qb(b,s)] )) over H*W planes. */
  private circProduct(
    P: Float64Array,
    Q: Float64Array,
    nA: number,
    nB: number,
    nS: number,
    pIdx: (a: number, s: number) => number,
    qIdx: (b: number, s: number) => number,
    conjQ: boolean,
    H: number,
    W: number,
  ): RefBuffer {
    const HW = H * W;
    const z = new Float64Array(nA * nB * HW * 2);
    for (let a = 0; a < nA; a++)
      for (let b = 0; b < nB; b++) {
        const base = (a * nB + b) * HW * 2;
        for (let s = 0; s < nS; s++) {
          const pp = pIdx(a, s) * HW * 2,
            qq = qIdx(b, s) * HW * 2;
          for (let f = 0; f < HW; f++) {
            const pr = P[pp + 2 * f],
              pi = P[pp + 2 * f + 1];
            const qr = Q[qq + 2 * f],
              qi = conjQ ? -Q[qq + 2 * f + 1] : Q[qq + 2 * f + 1];
            z[base + 2 * f] += pr * qr - pi * qi;
            z[base + 2 * f + 1] += pr * qi + pi * qr;
          }
        }
      }
    fft2dInterleaved(z, nA * nB, H, W, true);
    const out = this.alloc(nA * nB * HW);
    for (let i = 0; i < out.data.length; i++) out.data[i] = z[2 * i];
    return out;
  }

  circConv2d(x: Buffer, w: Buffer, p: CircConvParams): Buffer {
    const X = this.spectra(this.arr(x), p.N * p.C, p.H, p.W),
      Wf = this.spectra(this.arr(w), p.O * p.C, p.H, p.W);
    // out[n,o] = F^-1( sum_c X[n,c] * conj(W[o,c]) )
    return this.circProduct(
      X,
      Wf,
      p.N,
      p.O,
      p.C,
      (n, c) => n * p.C + c,
      (o, c) => o * p.C + c,
      true,
      p.H,
      p.W,
    );
  }

  circConv2dGradInput(g: Buffer, w: Buffer, p: CircConvParams): Buffer {
    const G = this.spectra(this.arr(g), p.N * p.O, p.H, p.W),
      Wf = this.spectra(this.arr(w), p.O * p.C, p.H, p.W);
    // dx[n,c] = F^-1( sum_o G[n,o] * W[o,c] )
    return this.circProduct(
      G,
      Wf,
      p.N,
      p.C,
      p.O,
      (n, o) => n * p.O + o,
      (c, o) => o * p.C + c,
      false,
      p.H,
      p.W,
    );
  }

  circConv2dGradFilter(x: Buffer, g: Buffer, p: CircConvParams): Buffer {
    const X = this.spectra(this.arr(x), p.N * p.C, p.H, p.W),
      G = this.spectra(this.arr(g), p.N * p.O, p.H, p.W);
    // dw[o,c] = F^-1( sum_n X[n,c] * conj(G[n,o]) )  (note the order: product indexed [c][o] -> transpose below)
    const t = this.circProduct(
      X,
      G,
      p.C,
      p.O,
      p.N,
      (c, n) => n * p.C + c,
      (o, n) => n * p.O + o,
      true,
      p.H,
      p.W,
    );
    const out = this.transpose(t, [p.C, p.O, p.H * p.W], [1, 0, 2]);
    this.dispose(t);
    return out;
  }

  fft(x: Buffer, batch: number, n: number, inverse: boolean): Buffer {
    const z = Float64Array.from(this.arr(x));
    fftStrided(z, batch, n, 1, inverse);
    return this.fromArray(z);
  }

  fft2(x: Buffer, batch: number, h: number, w: number, inverse: boolean): Buffer {
    const z = Float64Array.from(this.arr(x));
    fft2dInterleaved(z, batch, h, w, inverse);
    return this.fromArray(z);
  }

  logSoftmax(x: Buffer, outer: number, n: number): Buffer {
    const A = this.arr(x),
      out = this.alloc(A.length);
    for (let o = 0; o < outer; o++) {
      let mx = -Infinity;
      for (let i = 0; i < n; i++) mx = Math.max(mx, A[o * n + i]);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(A[o * n + i] - mx);
      const lse = mx + Math.log(s);
      for (let i = 0; i < n; i++) out.data[o * n + i] = A[o * n + i] - lse;
    }
    return out;
  }

  sgdStep(p: Buffer, g: Buffer, v: Buffer, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
    const P = this.arr(p),
      G = this.arr(g),
      V = this.arr(v);
    for (let i = 0; i < P.length; i++) {
      const gi = G[i] + weightDecay * P[i];
      V[i] = momentum * V[i] + gi;
      P[i] -= lr * (nesterov ? gi + momentum * V[i] : V[i]);
    }
  }
}
