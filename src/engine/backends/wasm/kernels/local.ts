// Locally connected layers (unshared weights w[O, C, Ho, Wo, kh*kw]) and their
// gradients. The weights are used in the transposed layout wT[O, C, kh*kw, Ho*Wo]
// (transposeBlocks, once per call) so that, with the im2col matrix col[C, K, P]
// of each image, every product runs f32x4 along the P output pixels:
//   out[n,o,:]  = sum_{c,t} wT[o,c,t,:] * col[c,t,:]
//   dcol[c,t,:] = sum_o g[n,o,:] * wT[o,c,t,:]            (then col2im)
//   dwT[o,c,t,:] = sum_n g[n,o,:] * col_n[c,t,:]          (then transposed back)
// A thread handles images [n0, n1) (forward, input gradient) or output channels
// [o0, o1) (filter gradient).
import { im2col, col2im } from './conv';

/** dst[b] = transpose(src[b]) for `blocks` row-major [rows, cols] blocks. */
export function transposeBlocks(src: usize, dst: usize, blocks: i32, rows: i32, cols: i32): void {
  const sz = <usize>(rows * cols) * 4;
  for (let b = 0; b < blocks; b++) {
    const s = src + <usize>b * sz, d = dst + <usize>b * sz;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) store<f32>(d + <usize>(c * rows + r) * 4, load<f32>(s + <usize>(r * cols + c) * 4));
  }
}

/** acc[i] += a[i] * b[i], i < n. */
@inline function fma(acc: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(v128.load(a + o), v128.load(b + o))));
  }
  for (; i < n; i++) { const o = <usize>i * 4; store<f32>(acc + o, load<f32>(acc + o) + load<f32>(a + o) * load<f32>(b + o)); }
}

/** Forward with wT[O, C, K, P]. */
export function local2dFwd(x: usize, wT: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, K = kh * kw, CK = C * K;
  const col = (scratch + 15) & ~<usize>15;
  for (let n = n0; n < n1; n++) {
    im2col(x + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
    const on = out + <usize>(n * O * P) * 4;
    memory.fill(on, 0, <usize>(O * P) * 4);
    for (let o = 0; o < O; o++) {
      const acc = on + <usize>(o * P) * 4;
      for (let q = 0; q < CK; q++) fma(acc, wT + <usize>((o * CK + q) * P) * 4, col + <usize>(q * P) * 4, P);
    }
  }
}

/** Input gradient with wT[O, C, K, P]. */
export function local2dGradInput(g: usize, wT: usize, dx: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, K = kh * kw, CK = C * K;
  const col = (scratch + 15) & ~<usize>15;
  for (let n = n0; n < n1; n++) {
    memory.fill(col, 0, <usize>(CK * P) * 4);
    const gn = g + <usize>(n * O * P) * 4;
    for (let o = 0; o < O; o++) {
      const go = gn + <usize>(o * P) * 4;
      for (let q = 0; q < CK; q++) fma(col + <usize>(q * P) * 4, go, wT + <usize>((o * CK + q) * P) * 4, P);
    }
    const d = dx + <usize>(n * C * H * W) * 4;
    memory.fill(d, 0, <usize>(C * H * W) * 4);
    col2im(col, d, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
  }
}

/** dwT[o, c, t, :] for o in [o0, o1), summed over all N images (dwT is [O, C, K, P]). */
export function local2dGradFilter(x: usize, g: usize, dwT: usize, N: i32, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, o0: i32, o1: i32, scratch: usize): void {
  const P = Ho * Wo, K = kh * kw, CK = C * K;
  const col = (scratch + 15) & ~<usize>15;
  if (o1 <= o0) return;
  memory.fill(dwT + <usize>(o0 * CK * P) * 4, 0, <usize>((o1 - o0) * CK * P) * 4);
  for (let n = 0; n < N; n++) {
    im2col(x + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
    const gn = g + <usize>(n * O * P) * 4;
    for (let o = o0; o < o1; o++) {
      const go = gn + <usize>(o * P) * 4;
      for (let q = 0; q < CK; q++) fma(dwT + <usize>((o * CK + q) * P) * 4, go, col + <usize>(q * P) * 4, P);
    }
  }
}
