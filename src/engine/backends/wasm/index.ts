// The WASM backend: AssemblyScript f32x4 kernels (engine/*.ts) over one
// WebAssembly linear memory, with a size-class allocator that reuses freed
// blocks, and the heavy kernels (matmul, conv, FFT batches) split across
// worker threads that share the memory. float32 only.
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
import { twiddles } from '../../fft/host.ts';
import { ENGINE_SHARED_BASE64, ENGINE_SINGLE_BASE64 } from './engine-bytes.generated.ts';
import { Heap } from './heap.ts';
import { BINARY, REDUCE, UNARY } from './opcodes.ts';
import { CTRL_BYTES, Pool, spawnWebWorker, type WorkerHandle, type WorkerSpawner } from './threads.ts';

export interface WasmBackendOptions {
  /** Threads for the heavy kernels (1 = no workers). Default: min(2, cores), or IFRLAB_WASM_THREADS. */
  threads?: number;
}

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, as declared in asconfig.json
const PARAMS = 32768; // i32 shape/stride block for layout and broadcasting kernels
const COUNTER = 36864; // shared work counter for the work-sharing kernels
const CTRL = 40960; // worker control blocks
const HEAP = 65536; // first allocatable byte
/** Filter gradients sum the batch in at most this many fixed chunks (one partial each), within this much partial memory. */
const GRAD_FILTER_CHUNKS = 8;
const GRAD_FILTER_PARTIAL_BYTES = 64 << 20;

class WasmBuffer implements Buffer {
  disposed = false;
  constructor(
    readonly ptr: number,
    readonly size: number,
    readonly cls: number,
  ) {}
}

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Columns kept by a real-input transform of width W (k2 in [0, W/2]). */
const halfW = (W: number): number => (W >> 1) + 1;

/** Size classes: 16-byte steps up to 256 B, then quarter powers of two (<= 25% slack). */
function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(16, (bytes + 15) & ~15);
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

type Exports = Record<string, (...a: number[]) => number>;

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly dtype: DType = 'float32';
  readonly syncRead = true;
  private f32!: Float32Array;
  private i32!: Int32Array;
  private readonly heap = new Heap(HEAP);
  private live = 0;
  private liveBytes = 0;
  private readonly scratch: { ptr: number; bytes: number }[] = [];
  private readonly twiddleTables = new Map<number, number>();

  constructor(
    private readonly mem: WebAssembly.Memory,
    private readonly ex: Exports,
    private readonly pool: Pool | null,
  ) {
    this.refresh();
  }

  /** Worker statistics (null on one thread): shares run by workers / taken back by the caller. */
  threadStats(): { workerShares: number; takenBack: number } | null {
    return this.pool ? { ...this.pool.stats } : null;
  }

  /** Number of threads the heavy kernels use. */
  get threads(): number {
    return this.pool ? this.pool.threads : 1;
  }

  private refresh(): void {
    if (!this.f32 || this.f32.buffer !== this.mem.buffer || this.f32.byteLength !== this.mem.buffer.byteLength) {
      this.f32 = new Float32Array(this.mem.buffer);
      this.i32 = new Int32Array(this.mem.buffer);
    }
  }

  // ---- allocator ----
  private rawAlloc(cls: number): number {
    const ptr = this.heap.alloc(cls);
    const end = this.heap.top;
    const have = this.mem.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        this.heap.free(ptr, cls);
        throw new Error(`wasm backend: out of memory (need ${end} bytes, limit ${MAX_PAGES * PAGE})`);
      }
      this.mem.grow(Math.max(pages, Math.min(MAX_PAGES - have / PAGE, Math.ceil(have / PAGE / 4))));
    }
    this.refresh();
    return ptr;
  }
  private rawFree(ptr: number, cls: number): void {
    this.heap.free(ptr, cls);
  }
  private alloc(n: number): WasmBuffer {
    const cls = sizeClass(n * 4);
    const b = new WasmBuffer(this.rawAlloc(cls), n, cls);
    this.live++;
    this.liveBytes += n * 4;
    return b;
  }
  private ptr(b: Buffer): number {
    const w = b as WasmBuffer;
    if (!(w instanceof WasmBuffer)) throw new Error('wasm backend: buffer belongs to another backend');
    if (w.disposed) throw new Error('wasm backend: buffer used after dispose');
    return w.ptr;
  }
  /** Per-thread scratch of at least `bytes`, kept between calls. */
  private scratchFor(t: number, bytes: number): number {
    const s = this.scratch[t];
    if (s && s.bytes >= bytes) return s.ptr;
    if (s) this.rawFree(s.ptr, s.bytes);
    const cls = sizeClass(bytes + 64);
    const ptr = this.rawAlloc(cls);
    this.scratch[t] = { ptr, bytes: cls };
    return ptr;
  }
  private temp(bytes: number): number {
    return this.rawAlloc(sizeClass(bytes));
  }
  private freeTemp(ptr: number, bytes: number): void {
    this.rawFree(ptr, sizeClass(bytes));
  }

  private twiddle(n: number): number {
    let p = this.twiddleTables.get(n);
    if (p === undefined) {
      p = this.rawAlloc(sizeClass(n * 8));
      const { cos, sin } = twiddles(n);
      this.refresh();
      for (let k = 0; k < n; k++) {
        this.f32[p / 4 + 2 * k] = cos[k];
        this.f32[p / 4 + 2 * k + 1] = sin[k];
      }
      this.twiddleTables.set(n, p);
    }
    return p;
  }

  /** Split [0, total) into `parts` ranges aligned to `align`. */
  private static split(total: number, parts: number, align = 1): [number, number][] {
    const out: [number, number][] = [];
    let start = 0;
    for (let t = 0; t < parts; t++) {
      let end = t === parts - 1 ? total : Math.min(total, Math.round((total * (t + 1)) / parts / align) * align);
      if (end < start) end = start;
      out.push([start, end]);
      start = end;
    }
    return out.filter(([a, b]) => b > a);
  }
  private par(name: string, parts: number[][]): void {
    this.refresh();
    if (parts.length === 0) return;
    if (this.pool && parts.length > 1) this.pool.run(name, parts);
    else for (const p of parts) this.ex[name](...p);
    this.refresh();
  }
  /** Run a work-sharing kernel: every thread gets the same arguments plus its own scratch (last argument). */
  private shared(
    name: string,
    T: number,
    args: number[],
    scratchBytes: number,
    perThread?: (t: number) => number[],
  ): void {
    this.refresh();
    this.i32[COUNTER / 4] = 0;
    const parts: number[][] = [];
    for (let t = 0; t < T; t++)
      parts.push([...(perThread ? perThread(t) : []), ...args, COUNTER, this.scratchFor(t, scratchBytes)]);
    this.par(name, parts);
  }
  private threadsFor(work: number): number {
    return work >= 1 << 16 ? this.threads : 1;
  }

  // ---- memory ----
  fromArray(data: ArrayLike<number>): Buffer {
    const b = this.alloc(data.length);
    this.f32.set(data, b.ptr / 4);
    return b;
  }
  fill(size: number, value: number): Buffer {
    const b = this.alloc(size);
    this.f32.fill(value, b.ptr / 4, b.ptr / 4 + size);
    return b;
  }
  read(buf: Buffer): Promise<Float32Array> {
    return Promise.resolve(this.readSync(buf));
  }
  readSync(buf: Buffer): Float32Array {
    const p = this.ptr(buf) / 4;
    this.refresh();
    return this.f32.slice(p, p + buf.size);
  }
  dispose(buf: Buffer): void {
    const w = buf as WasmBuffer;
    if (w.disposed) return;
    w.disposed = true;
    this.live--;
    this.liveBytes -= w.size * 4;
    this.rawFree(w.ptr, w.cls);
  }
  memory(): MemoryInfo {
    return { buffers: this.live, bytes: this.liveBytes };
  }
  /** Bytes of linear memory in use (heap top), for checking that training loops do not grow memory. */
  heapBytes(): number {
    return this.heap.high;
  }
  /** Most bytes ever in live blocks at once (heapBytes() minus this is what fragmentation cost). */
  peakLiveBytes(): number {
    return this.heap.peakUsed;
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }

  // ---- elementwise ----
  unary(op: UnaryOp, x: Buffer): Buffer {
    const out = this.alloc(x.size);
    this.ex.unary(UNARY[op], this.ptr(x), out.ptr, x.size);
    return out;
  }

  /** Write i32 arrays into the parameter block; returns its address. */
  private params(...arrays: readonly (readonly number[])[]): number {
    this.refresh();
    let o = PARAMS / 4;
    for (const a of arrays) for (const v of a) this.i32[o++] = v;
    return PARAMS;
  }

  binary(
    op: BinaryOp,
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer {
    const out = this.alloc(sizeOf(outShape));
    if (out.size === 0) return out;
    const r = outShape.length === 0;
    const shape = r ? [1] : outShape,
      sa = r ? [0] : aStrides,
      sb = r ? [0] : bStrides;
    const prm = this.params(shape, sa, sb);
    this.ex.binary(BINARY[op], this.ptr(a), this.ptr(b), out.ptr, shape.length, prm);
    return out;
  }

  binaryScalar(op: BinaryOp, x: Buffer, s: number, scalarFirst: boolean): Buffer {
    const out = this.alloc(x.size);
    this.ex.binaryScalar(BINARY[op], this.ptr(x), out.ptr, x.size, s, scalarFirst ? 1 : 0);
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
    const out = this.alloc(sizeOf(outShape));
    if (out.size === 0) return out;
    const r = outShape.length === 0;
    const prm = r ? this.params([1], [0], [0], [0]) : this.params(outShape, cStrides, aStrides, bStrides);
    this.ex.where(this.ptr(cond), this.ptr(a), this.ptr(b), out.ptr, r ? 1 : outShape.length, prm);
    return out;
  }

  // ---- reductions and layout ----
  reduceLast(op: ReduceOp, x: Buffer, outer: number, n: number): Buffer {
    const out = this.alloc(outer);
    this.ex.reduceLast(REDUCE[op], this.ptr(x), out.ptr, outer, n);
    return out;
  }

  private gather(x: Buffer, offset: number, shape: readonly number[], strides: readonly number[]): Buffer {
    const out = this.alloc(sizeOf(shape));
    if (out.size === 0) return out;
    const r = shape.length === 0;
    const prm = this.params(r ? [1] : shape, r ? [0] : strides);
    this.ex.gather(this.ptr(x), offset, out.ptr, r ? 1 : shape.length, prm);
    return out;
  }

  transpose(x: Buffer, shape: readonly number[], perm: readonly number[]): Buffer {
    const st = stridesOf(shape);
    return this.gather(
      x,
      0,
      perm.map((p) => shape[p]),
      perm.map((p) => st[p]),
    );
  }

  slice(x: Buffer, shape: readonly number[], begin: readonly number[], size: readonly number[]): Buffer {
    const st = stridesOf(shape);
    let off = 0;
    for (let d = 0; d < shape.length; d++) off += begin[d] * st[d];
    return this.gather(x, off, size, st);
  }

  pad(x: Buffer, shape: readonly number[], before: readonly number[], after: readonly number[], mode: PadMode): Buffer {
    // Rare: plain loops over the memory view, one output row at a time.
    const outShape = shape.map((s, d) => s + before[d] + after[d]);
    const out = this.alloc(sizeOf(outShape));
    if (out.size === 0) return out;
    const src = this.ptr(x) / 4,
      dst = out.ptr / 4,
      f = this.f32;
    const rank = shape.length;
    if (rank === 0) {
      f[dst] = f[src];
      return out;
    }
    const st = stridesOf(shape),
      inner = outShape[rank - 1],
      outer = out.size / inner;
    const idx = new Array<number>(rank).fill(0);
    const mod = (a: number, n: number) => ((a % n) + n) % n;
    for (let o = 0; o < outer; o++) {
      let base = 0,
        zero = false;
      for (let d = 0; d < rank - 1; d++) {
        let i = idx[d] - before[d];
        if (i < 0 || i >= shape[d]) {
          if (mode === 'zero' || shape[d] === 0) {
            zero = true;
            break;
          }
          i = mod(i, shape[d]);
        }
        base += i * st[d];
      }
      const row = dst + o * inner,
        n = shape[rank - 1];
      for (let j = 0; j < inner; j++) {
        let i = j - before[rank - 1];
        if (zero) {
          f[row + j] = 0;
          continue;
        }
        if (i < 0 || i >= n) {
          if (mode === 'zero' || n === 0) {
            f[row + j] = 0;
            continue;
          }
          i = mod(i, n);
        }
        f[row + j] = f[src + base + i];
      }
      for (let d = rank - 2; d >= 0; d--) {
        if (++idx[d] < outShape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }

  concat(xs: readonly Buffer[], shapes: readonly (readonly number[])[], axis: number): Buffer {
    const { outer, inners, offsets, total } = concatLayout(shapes, axis);
    const out = this.alloc(outer * total);
    const f = this.f32,
      dst = out.ptr / 4;
    xs.forEach((x, i) => {
      const src = this.ptr(x) / 4,
        w = inners[i],
        off = offsets[i];
      if (w > 0) for (let o = 0; o < outer; o++) f.copyWithin(dst + o * total + off, src + o * w, src + o * w + w);
    });
    return out;
  }

  // ---- linear algebra ----
  matmul(a: Buffer, b: Buffer, p: MatmulParams): Buffer {
    const { batch, m, k, n } = p;
    const out = this.alloc(batch * m * n);
    if (out.size === 0) return out;
    const pa = this.ptr(a),
      pb = this.ptr(b);
    const sA = p.batchA === 1 ? 0 : m * k,
      sB = p.batchB === 1 ? 0 : k * n;
    const T = this.threadsFor(batch * m * n * Math.max(k, 1));
    const gs = this.ex.gemmScratchBytes();
    const tA = p.transA ? 1 : 0,
      tB = p.transB ? 1 : 0;
    // Chunks (about 3 per thread) along the batch, or the larger of rows and columns;
    // threads take them from a shared counter, so a busier core simply takes fewer.
    let mode: number, grain: number;
    const chunks = 3 * T;
    if (T > 1 && batch >= T) {
      mode = 0;
      grain = Math.max(1, Math.floor(batch / chunks));
    } else if (n >= m) {
      mode = 1;
      grain = T > 1 ? Math.max(16, Math.ceil(n / chunks / 16) * 16) : n;
    } else {
      mode = 2;
      grain = T > 1 ? Math.max(16, Math.ceil(m / chunks / 16) * 16) : m;
    }
    if (T === 1) {
      mode = 0;
      grain = batch;
    }
    this.shared('sgemmShared', T, [pa, pb, out.ptr, m, n, k, tA, tB, sA, sB, batch, mode, grain], gs);
    return out;
  }

  // ---- convolutions ----
  /** Geometry arguments of the direct conv kernels (forward and filter gradient), in their order. */
  private directConvArgs(p: ConvParams): number[] {
    return [
      p.C,
      p.H,
      p.W,
      p.O,
      p.kh,
      p.kw,
      p.padTop,
      p.padBottom,
      p.padLeft,
      p.mode === 'circular' ? 1 : 0,
      p.Ho,
      p.Wo,
      p.N,
    ];
  }

  private convArgs(p: ConvParams): number[] {
    return [p.C, p.H, p.W, p.O, p.kh, p.kw, p.stride, p.padTop, p.padLeft, p.mode === 'circular' ? 1 : 0, p.Ho, p.Wo];
  }
  private convPerImage(kind: number, a: number, b: number, out: number, p: ConvParams): void {
    const T = this.threadsFor(p.N * p.O * p.Ho * p.Wo * p.C * p.kh * p.kw);
    const grain = T > 1 ? Math.max(1, Math.floor(p.N / (4 * T))) : p.N;
    this.shared(
      'convShared',
      T,
      [kind, a, b, out, ...this.convArgs(p), p.N, grain],
      this.ex.convScratchBytes(p.C, p.kh, p.kw, p.Ho, p.Wo),
    );
  }
  private localPerImage(kernel: string, a: number, b: number, out: number, p: ConvParams): void {
    const T = this.threadsFor(p.N * p.O * p.Ho * p.Wo * p.C * p.kh * p.kw);
    const args = this.convArgs(p),
      sb = p.C * p.kh * p.kw * p.Ho * p.Wo * 4 + 64;
    this.par(
      kernel,
      WasmBackend.split(p.N, T).map(([n0, n1], t) => [a, b, out, ...args, n0, n1, this.scratchFor(t, sb)]),
    );
  }

  /**
   * Forward conv algorithm: 'direct' (stride 1 only: padded copy + 4x8 register tiles), 'im2col'
   * (im2col + packed SGEMM, any stride), or 'auto' (see useDirect; measured in bench/conv-algos.mjs).
   */
  convAlgo: 'auto' | 'direct' | 'im2col' = 'auto';
  private useDirect(p: ConvParams): boolean {
    if (p.stride !== 1 || this.convAlgo === 'im2col') return false;
    if (this.convAlgo === 'direct') return true;
    return p.Wo >= 8; // direct won or tied on the measured stride-1 shapes (docs/backends.md, 'The WASM backend'); it needs 8-wide rows
  }

  conv2d(x: Buffer, w: Buffer, p: ConvParams): Buffer {
    const out = this.alloc(p.N * p.O * p.Ho * p.Wo);
    if (out.size === 0) return out;
    if (this.useDirect(p)) {
      const T = this.threadsFor(p.N * p.O * p.Ho * p.Wo * p.C * p.kh * p.kw);
      const grain = T > 1 ? Math.max(1, Math.floor(p.N / (4 * T))) : p.N;
      this.shared(
        'conv2dDirect',
        T,
        [this.ptr(x), this.ptr(w), out.ptr, ...this.directConvArgs(p), grain],
        this.ex.directScratchBytes(p.C, p.H, p.W, p.O, p.kh, p.kw, p.padTop, p.padBottom, p.Wo),
      );
      return out;
    }
    this.convPerImage(0, this.ptr(x), this.ptr(w), out.ptr, p);
    return out;
  }
  /**
   * Stride-1 input gradient as a direct correlation of g with the flipped, channel-transposed
   * filter: zero padding (kh-1-pt, kh-1-pb, kw-1-pl, kw-1-pr), or circular when the output
   * has the input's size (then the wrap is the same modulo H, W).
   */
  private directGradInput(g: number, w: number, out: number, p: ConvParams): boolean {
    if (p.stride !== 1 || this.convAlgo === 'im2col' || p.W < 8) return false;
    if (this.convAlgo === 'auto' && p.C < 16) return false; // measured: im2col wins for few input channels (docs/backends.md, 'The WASM backend')
    const circ = p.mode === 'circular';
    if (
      circ
        ? p.Ho !== p.H || p.Wo !== p.W
        : p.padTop > p.kh - 1 || p.padBottom > p.kh - 1 || p.padLeft > p.kw - 1 || p.padRight > p.kw - 1
    )
      return false;
    const K = p.kh * p.kw,
      size = p.O * p.C * K,
      wt = this.temp(size * 4);
    const f = this.f32,
      src = w / 4,
      dst = wt / 4;
    for (let o = 0; o < p.O; o++)
      for (let c = 0; c < p.C; c++)
        for (let u = 0; u < p.kh; u++)
          for (let v = 0; v < p.kw; v++) {
            f[dst + ((c * p.O + o) * p.kh + (p.kh - 1 - u)) * p.kw + (p.kw - 1 - v)] =
              f[src + ((o * p.C + c) * p.kh + u) * p.kw + v];
          }
    const top = p.kh - 1 - p.padTop,
      bottom = circ ? p.padTop : p.kh - 1 - p.padBottom,
      left = p.kw - 1 - p.padLeft;
    const T = this.threadsFor(p.N * p.O * p.Ho * p.Wo * p.C * K);
    const grain = T > 1 ? Math.max(1, Math.floor(p.N / (4 * T))) : p.N;
    this.shared(
      'conv2dDirect',
      T,
      [g, wt, out, p.O, p.Ho, p.Wo, p.C, p.kh, p.kw, top, bottom, left, circ ? 1 : 0, p.H, p.W, p.N, grain],
      this.ex.directScratchBytes(p.O, p.Ho, p.Wo, p.C, p.kh, p.kw, top, bottom, p.W),
    );
    this.freeTemp(wt, size * 4);
    return true;
  }

  conv2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer {
    const out = this.alloc(p.N * p.C * p.H * p.W);
    if (out.size === 0) return out;
    if (p.O === 0 || p.Ho * p.Wo === 0) {
      this.f32.fill(0, out.ptr / 4, out.ptr / 4 + out.size);
      return out;
    }
    if (this.directGradInput(this.ptr(g), this.ptr(w), out.ptr, p)) return out;
    this.convPerImage(1, this.ptr(g), this.ptr(w), out.ptr, p);
    return out;
  }
  conv2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer {
    const size = p.O * p.C * p.kh * p.kw;
    const out = this.alloc(size);
    if (size === 0) return out;
    if (p.N === 0) {
      this.f32.fill(0, out.ptr / 4, out.ptr / 4 + size);
      return out;
    }
    // The images are summed in fixed chunks (a function of N and the filter size only, not of
    // the thread count or of which thread takes which chunk), each into its own partial, and
    // the partials are added in chunk order: the same bits on any number of threads.
    const chunks = Math.max(1, Math.min(p.N, GRAD_FILTER_CHUNKS, Math.floor(GRAD_FILTER_PARTIAL_BYTES / (size * 4))));
    const grain = Math.ceil(p.N / chunks),
      used = Math.ceil(p.N / grain);
    const T = Math.min(this.threadsFor(p.N * p.O * p.Ho * p.Wo * p.C * p.kh * p.kw), used);
    const parts = used === 1 ? out.ptr : this.temp(used * size * 4);
    const px = this.ptr(x),
      pg = this.ptr(g);
    if (p.stride === 1 && p.kw <= 4 && (this.convAlgo === 'direct' || (this.convAlgo === 'auto' && p.C < 16))) {
      this.shared(
        'conv2dGradFilterDirect',
        T,
        [px, pg, parts, ...this.directConvArgs(p), grain],
        this.ex.gradFilterDirectScratchBytes(p.C, p.H, p.W, p.O, p.kw, p.padTop, p.padBottom, p.Ho, p.Wo),
      );
    } else {
      this.shared(
        'convShared',
        T,
        [2, px, pg, parts, ...this.convArgs(p), p.N, grain],
        this.ex.convScratchBytes(p.C, p.kh, p.kw, p.Ho, p.Wo),
      );
    }
    if (used > 1) {
      this.f32.copyWithin(out.ptr / 4, parts / 4, parts / 4 + size);
      for (let c = 1; c < used; c++) this.ex.addInto(out.ptr, parts + c * size * 4, size);
      this.freeTemp(parts, used * size * 4);
    }
    return out;
  }

  /** Locally connected weights [O, C, P, K] -> [O, C, K, P] (P = Ho*Wo pixels, K taps) in a temp block. */
  private localWeightsT(w: number, p: ConvParams): number {
    const P = p.Ho * p.Wo,
      K = p.kh * p.kw,
      wT = this.temp(p.O * p.C * P * K * 4);
    this.ex.transposeBlocks(w, wT, p.O * p.C, P, K);
    return wT;
  }
  /** A per-image locally connected kernel on the transposed weights (forward and input gradient). */
  private localWithWeightsT(
    kernel: 'local2dFwd' | 'local2dGradInput',
    input: Buffer,
    w: Buffer,
    p: ConvParams,
    size: number,
  ): Buffer {
    const out = this.alloc(size);
    if (out.size === 0) return out;
    const wT = this.localWeightsT(this.ptr(w), p);
    this.localPerImage(kernel, this.ptr(input), wT, out.ptr, p);
    this.freeTemp(wT, p.O * p.C * p.Ho * p.Wo * p.kh * p.kw * 4);
    return out;
  }
  local2d(x: Buffer, w: Buffer, p: ConvParams): Buffer {
    return this.localWithWeightsT('local2dFwd', x, w, p, p.N * p.O * p.Ho * p.Wo);
  }
  local2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer {
    return this.localWithWeightsT('local2dGradInput', g, w, p, p.N * p.C * p.H * p.W);
  }
  local2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer {
    const size = p.O * p.C * p.Ho * p.Wo * p.kh * p.kw;
    const out = this.alloc(size);
    if (size === 0) return out;
    const T = this.threadsFor(p.N * p.O * p.Ho * p.Wo * p.C * p.kh * p.kw);
    const sb = p.C * p.kh * p.kw * p.Ho * p.Wo * 4 + 64,
      args = this.convArgs(p);
    const dwT = this.temp(size * 4);
    this.par(
      'local2dGradFilter',
      WasmBackend.split(p.O, T).map(([o0, o1], t) => [
        this.ptr(x),
        this.ptr(g),
        dwT,
        p.N,
        ...args,
        o0,
        o1,
        this.scratchFor(t, sb),
      ]),
    );
    this.ex.transposeBlocks(dwT, out.ptr, p.O * p.C, p.kh * p.kw, p.Ho * p.Wo);
    this.freeTemp(dwT, size * 4);
    return out;
  }

  // ---- FFT ----
  private fftInto(src: number, dst: number, batch: number, n: number, inverse: boolean): void {
    const tw = this.twiddle(n);
    const T = this.threadsFor(batch * n * Math.log2(n + 1) * 4);
    const grain = T > 1 ? Math.max(1, Math.ceil(batch / (8 * T))) : batch;
    this.shared(
      'fftShared',
      T,
      [1, src, dst, 1, n, tw, tw, inverse ? 1 : 0, batch, grain],
      this.ex.fftScratchBytes(n, grain),
    );
  }
  private fft2Into(src: number, dst: number, batch: number, h: number, w: number, inverse: boolean): void {
    const twh = this.twiddle(h),
      tww = this.twiddle(w);
    const T = this.threadsFor(batch * h * w * 16);
    const grain = T > 1 ? Math.max(1, Math.ceil(batch / (8 * T))) : batch;
    this.shared(
      'fftShared',
      T,
      [2, src, dst, h, w, twh, tww, inverse ? 1 : 0, batch, grain],
      this.ex.fft2ScratchBytes(h, w),
    );
  }

  fft(x: Buffer, batch: number, n: number, inverse: boolean): Buffer {
    const out = this.alloc(batch * n * 2);
    if (out.size === 0) return out;
    this.fftInto(this.ptr(x), out.ptr, batch, n, inverse);
    return out;
  }
  fft2(x: Buffer, batch: number, h: number, w: number, inverse: boolean): Buffer {
    const out = this.alloc(batch * h * w * 2);
    if (out.size === 0) return out;
    this.fft2Into(this.ptr(x), out.ptr, batch, h, w, inverse);
    return out;
  }

  // Real-input 2-D transforms. A real image has a Hermitian spectrum, X[k1, k2] = conj X[-k1, -k2], so
  // only the columns k2 in [0, W/2] are kept (H x (floor(W/2) + 1), numpy's rfft2 layout), and one
  // complex FFT carries two real planes (packRealPairs / splitRealPairs forward, packSpectraPairs /
  // unpackRealPairs inverse): half the transforms, and half the spectra for what comes after.
  /** Half spectra [planes, H, W/2 + 1] (complex) of `planes` real H x W planes at x, in a temp block. */
  private rfft2Into(x: number, planes: number, H: number, W: number): number {
    const HW = H * W,
      pairs = Math.ceil(planes / 2);
    const zp = this.temp(pairs * HW * 8);
    this.ex.packRealPairs(x, zp, planes, HW);
    this.fft2Into(zp, zp, pairs, H, W, false);
    const z = this.temp(planes * H * halfW(W) * 8);
    this.ex.splitRealPairs(zp, z, planes, H, W);
    this.freeTemp(zp, pairs * HW * 8);
    return z;
  }
  /** out (planes real H x W planes) = inverse transforms of the half spectra of real signals at Z. */
  private irfft2Into(Z: number, planes: number, H: number, W: number, out: number): void {
    const HW = H * W,
      pairs = Math.ceil(planes / 2);
    const V = this.temp(pairs * HW * 8);
    this.ex.packSpectraPairs(Z, V, planes, H, W);
    this.fft2Into(V, V, pairs, H, W, true);
    this.ex.unpackRealPairs(V, out, planes, HW);
    this.freeTemp(V, pairs * HW * 8);
  }
  /** rfft2 of batch real H x W planes: [batch, H, floor(W/2) + 1] complex (interleaved). */
  rfft2(x: Buffer, batch: number, H: number, W: number): Buffer {
    const n = batch * H * halfW(W) * 2,
      out = this.alloc(n);
    if (n === 0) return out;
    const z = this.rfft2Into(this.ptr(x), batch, H, W);
    this.refresh();
    this.f32.copyWithin(out.ptr / 4, z / 4, z / 4 + n);
    this.freeTemp(z, n * 4);
    return out;
  }
  /** irfft2: real H x W planes from half spectra [batch, H, floor(W/2) + 1] of real signals. */
  irfft2(y: Buffer, batch: number, H: number, W: number): Buffer {
    const out = this.alloc(batch * H * W);
    if (out.size > 0) this.irfft2Into(this.ptr(y), batch, H, W, out.ptr);
    return out;
  }

  // Full-width circular convolutions (see the reference backend for the algebra): products of half spectra.
  private circProduct(
    P: number,
    Q: number,
    nA: number,
    nB: number,
    nS: number,
    pa: number,
    ps: number,
    qb: number,
    qs: number,
    conjQ: boolean,
    H: number,
    W: number,
  ): number {
    const HWh = H * halfW(W),
      Z = this.temp(nA * nB * HWh * 8);
    const T = this.threadsFor(nA * nB * nS * HWh * 8);
    this.par(
      'spectralProduct',
      WasmBackend.split(nA, T).map(([a0, a1]) => [P, Q, Z, nB, nS, pa, ps, qb, qs, HWh, conjQ ? 1 : 0, a0, a1]),
    );
    return Z;
  }
  /** out = real inverse transforms of the half spectra Z (planes of them); frees Z. */
  private circFinish(Z: number, planes: number, H: number, W: number, out: number): void {
    this.irfft2Into(Z, planes, H, W, out);
    this.freeTemp(Z, planes * H * halfW(W) * 8);
  }

  circConv2d(x: Buffer, w: Buffer, p: CircConvParams): Buffer {
    const HWh = p.H * halfW(p.W),
      out = this.alloc(p.N * p.O * p.H * p.W);
    if (out.size === 0) return out;
    const X = this.rfft2Into(this.ptr(x), p.N * p.C, p.H, p.W),
      Wf = this.rfft2Into(this.ptr(w), p.O * p.C, p.H, p.W);
    const Z = this.circProduct(X, Wf, p.N, p.O, p.C, p.C, 1, p.C, 1, true, p.H, p.W);
    this.freeTemp(X, p.N * p.C * HWh * 8);
    this.freeTemp(Wf, p.O * p.C * HWh * 8);
    this.circFinish(Z, p.N * p.O, p.H, p.W, out.ptr);
    return out;
  }
  circConv2dGradInput(g: Buffer, w: Buffer, p: CircConvParams): Buffer {
    const HWh = p.H * halfW(p.W),
      out = this.alloc(p.N * p.C * p.H * p.W);
    if (out.size === 0) return out;
    const G = this.rfft2Into(this.ptr(g), p.N * p.O, p.H, p.W),
      Wf = this.rfft2Into(this.ptr(w), p.O * p.C, p.H, p.W);
    const Z = this.circProduct(G, Wf, p.N, p.C, p.O, p.O, 1, 1, p.C, false, p.H, p.W);
    this.freeTemp(G, p.N * p.O * HWh * 8);
    this.freeTemp(Wf, p.O * p.C * HWh * 8);
    this.circFinish(Z, p.N * p.C, p.H, p.W, out.ptr);
    return out;
  }
  circConv2dGradFilter(x: Buffer, g: Buffer, p: CircConvParams): Buffer {
    const HW = p.H * p.W,
      HWh = p.H * halfW(p.W);
    if (p.O * p.C * HW === 0) return this.alloc(p.O * p.C * HW);
    const X = this.rfft2Into(this.ptr(x), p.N * p.C, p.H, p.W),
      G = this.rfft2Into(this.ptr(g), p.N * p.O, p.H, p.W);
    const Z = this.circProduct(X, G, p.C, p.O, p.N, 1, p.C, 1, p.O, true, p.H, p.W);
    this.freeTemp(X, p.N * p.C * HWh * 8);
    this.freeTemp(G, p.N * p.O * HWh * 8);
    const t = this.alloc(p.C * p.O * HW);
    this.circFinish(Z, p.C * p.O, p.H, p.W, t.ptr);
    const out = this.transpose(t, [p.C, p.O, HW], [1, 0, 2]);
    this.dispose(t);
    return out;
  }

  // ---- fused ----
  logSoftmax(x: Buffer, outer: number, n: number): Buffer {
    const out = this.alloc(x.size);
    if (out.size > 0) this.ex.logSoftmax(this.ptr(x), out.ptr, outer, n);
    return out;
  }
  sgdStep(p: Buffer, g: Buffer, v: Buffer, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
    this.ex.sgdStep(this.ptr(p), this.ptr(g), this.ptr(v), p.size, lr, momentum, weightDecay, nesterov ? 1 : 0);
  }

  /** Stop the worker threads; do not use the backend afterwards. */
  terminate(): void {
    this.pool?.terminate();
  }
}

const isNode = (): boolean =>
  typeof (globalThis as { Deno?: unknown }).Deno === 'undefined' &&
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.IFRLAB_WASM_THREADS;
  if (env && Number(env) >= 1) return Math.floor(Number(env));
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(2, hc));
}

let singleModule: WebAssembly.Module | null = null;
let sharedModule: WebAssembly.Module | null = null;

/** Create a WASM backend; threads > 1 needs shared memory (Node, Deno, cross-origin-isolated browsers). */
export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  if (typeof WebAssembly === 'undefined') throw new Error('wasm backend: WebAssembly is not available');
  let threads = Math.max(1, Math.floor(opts.threads ?? defaultThreads()));
  const canShare =
    typeof SharedArrayBuffer !== 'undefined' &&
    (isNode() ||
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true ||
      typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined');
  if (!canShare) threads = 1;
  if (threads > 1) {
    try {
      return await createThreaded(threads);
    } catch (e) {
      if (opts.threads !== undefined && opts.threads > 1) throw e;
      // fall back to one thread
    }
  }
  singleModule ??= await WebAssembly.compile(decodeBase64(ENGINE_SINGLE_BASE64) as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
  const inst = await WebAssembly.instantiate(singleModule, { env: { memory } });
  return new WasmBackend(memory, inst.exports as unknown as Exports, null);
}

async function createThreaded(threads: number): Promise<WasmBackend> {
  sharedModule ??= await WebAssembly.compile(decodeBase64(ENGINE_SHARED_BASE64) as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
  const inst = await WebAssembly.instantiate(sharedModule, { env: { memory } });
  const ex = inst.exports as unknown as Exports;
  const names = Object.keys(ex).filter((k) => typeof ex[k] === 'function');
  const spawn: WorkerSpawner = isNode() ? (await import('./platform-node.ts')).spawnNodeWorker : spawnWebWorker;
  const ctrls: number[] = [];
  for (let w = 0; w < threads - 1; w++) ctrls.push(CTRL + w * CTRL_BYTES);
  if (CTRL + ctrls.length * CTRL_BYTES > HEAP) throw new Error('wasm backend: too many threads');
  const handles: WorkerHandle[] = await Promise.all(ctrls.map((c) => spawn(sharedModule!, memory, c, names)));
  return new WasmBackend(memory, ex, new Pool(memory, ex, ctrls, names, handles));
}
