// The backend interface: a small set of forward-only primitive kernels.
// Gradients live in src/ops (written once, in terms of ops), so a backend only
// implements what is below and gets autodiff for free. Every kernel takes
// contiguous row-major inputs and returns a new buffer; shapes are validated by
// the front end before a kernel is called. The reference backend is the oracle.

export type DType = 'float32' | 'float64';

/** An opaque buffer owned by one backend. `size` counts elements. */
export interface Buffer {
  readonly size: number;
}

export type UnaryOp =
  'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'relu' | 'step' | 'square' | 'reciprocal' | 'sin' | 'cos';
export type BinaryOp =
  'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne' | 'gate';
export type ReduceOp = 'sum' | 'max' | 'min';
export type PadMode = 'zero' | 'circular';

/** out[b] = op(A[b]) @ op(B[b]); A is [batchA, m, k] (or [.., k, m] if transA), likewise B. batchA/batchB are 1 or batch. */
export interface MatmulParams {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  batchA: number;
  batchB: number;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) on NCHW input x[N,C,H,W] with
 * filter w[O,C,kh,kw]. Padding is explicit per side; `mode` says what the padded
 * cells hold (zeros, or the wrapped-around image). Output [N,O,Ho,Wo] with
 * Ho = floor((H + padTop + padBottom - kh) / stride) + 1.
 */
export interface ConvParams {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  stride: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  mode: PadMode;
  Ho: number;
  Wo: number;
}

/** Full-width circular cross-correlation: x[N,C,H,W], w[O,C,H,W] -> [N,O,H,W]. */
export interface CircConvParams {
  N: number;
  C: number;
  O: number;
  H: number;
  W: number;
}

export interface MemoryInfo {
  buffers: number;
  bytes: number;
}

/** The backend contract: forward-only primitive kernels over opaque buffers (reference, WASM and WebGPU implement it). Gradients are composed from these in src/engine/ops. */
export interface Backend {
  readonly name: string;
  readonly dtype: DType;
  /** True when readSync is available (CPU backends). */
  readonly syncRead: boolean;
  /** True for a software emulation of a device (e.g. WebGPU on SwiftShader/llvmpipe): correct but slow, so never picked by default. */
  readonly isSoftware?: boolean;
  /** Stop worker threads (the WASM backend's); Deno and browsers keep running while they live. Do not use the backend afterwards. */
  terminate?(): void;

  // ---- memory ----
  fromArray(data: ArrayLike<number>): Buffer;
  fill(size: number, value: number): Buffer;
  read(buf: Buffer): Promise<Float32Array | Float64Array>;
  readSync(buf: Buffer): Float32Array | Float64Array;
  dispose(buf: Buffer): void;
  memory(): MemoryInfo;
  /** Wait for queued work (GPU); CPU backends resolve at once. */
  sync(): Promise<void>;

  // ---- elementwise ----
  unary(op: UnaryOp, x: Buffer): Buffer;
  /** Broadcasting binary op: a and b read with strides (0 on broadcast axes) over outShape. */
  binary(
    op: BinaryOp,
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer;
  /** op(x, s) or, if `scalarFirst`, op(s, x). */
  binaryScalar(op: BinaryOp, x: Buffer, s: number, scalarFirst: boolean): Buffer;
  /** cond != 0 ? a : b, broadcasting like `binary`. */
  where(
    cond: Buffer,
    cStrides: readonly number[],
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer;

  // ---- reductions and layout ----
  /** x viewed as [outer, n]; reduces the last axis -> [outer]. */
  reduceLast(op: ReduceOp, x: Buffer, outer: number, n: number): Buffer;
  /** Materialise a permutation of axes. */
  transpose(x: Buffer, shape: readonly number[], perm: readonly number[]): Buffer;
  slice(x: Buffer, shape: readonly number[], begin: readonly number[], size: readonly number[]): Buffer;
  pad(x: Buffer, shape: readonly number[], before: readonly number[], after: readonly number[], mode: PadMode): Buffer;
  /** Concatenate along `axis`; each input i has shape shapes[i]. */
  concat(xs: readonly Buffer[], shapes: readonly (readonly number[])[], axis: number): Buffer;

  // ---- linear algebra and convolutions ----
  matmul(a: Buffer, b: Buffer, p: MatmulParams): Buffer;
  conv2d(x: Buffer, w: Buffer, p: ConvParams): Buffer;
  /** d loss / d x from g[N,O,Ho,Wo] and w. */
  conv2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer;
  /** d loss / d w from x and g. */
  conv2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer;
  /** Locally connected: w[O, C, Ho, Wo, kh*kw] (unshared weights), same geometry as conv2d. */
  local2d(x: Buffer, w: Buffer, p: ConvParams): Buffer;
  local2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer;
  local2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer;
  /** out[n,o,i,j] = sum_{c,u,v} w[o,c,u,v] x[n,c,(i+u)%H,(j+v)%W]. */
  circConv2d(x: Buffer, w: Buffer, p: CircConvParams): Buffer;
  circConv2dGradInput(g: Buffer, w: Buffer, p: CircConvParams): Buffer;
  circConv2dGradFilter(x: Buffer, g: Buffer, p: CircConvParams): Buffer;

  // ---- FFT (complex data interleaved: [..., n, 2]) ----
  /** Batched 1-D DFT over the axis of length n; inverse includes 1/n. */
  fft(x: Buffer, batch: number, n: number, inverse: boolean): Buffer;
  /** Batched 2-D DFT of [batch, h, w, 2]; inverse includes 1/(h w). */
  fft2(x: Buffer, batch: number, h: number, w: number, inverse: boolean): Buffer;

  // ---- fused ----
  /** Log-softmax over the last axis of x viewed as [outer, n]. */
  logSoftmax(x: Buffer, outer: number, n: number): Buffer;
  /**
   * In place SGD with momentum (PyTorch semantics):
   * g' = g + wd*p; v = momentum*v + g'; p -= lr * (nesterov ? g' + momentum*v : v).
   */
  sgdStep(p: Buffer, g: Buffer, v: Buffer, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
}
