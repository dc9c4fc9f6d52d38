// 2-D convolution (cross-correlation, NCHW) and its two gradients, by im2col +
// the packed SGEMM, for zero/circular padding and any stride. A thread handles
// the images [n0, n1).
import { gemm, gemmScratchBytes } from './matmul';

@inline function wrap(i: i32, n: i32): i32 { const r = i % n; return r < 0 ? r + n : r; }

/** col[(c*kh+u)*kw+v, i*Wo+j] = x[c, i*s+u-pt, j*s+v-pl] (0 or wrapped outside). */
export function im2col(x: usize, col: usize, C: i32, H: i32, W: i32, kh: i32, kw: i32, stride: i32, pt: i32, pl: i32,
  circ: bool, Ho: i32, Wo: i32): void {
  const P = Ho * Wo;
  for (let c = 0; c < C; c++) {
    const xc = x + <usize>(c * H * W) * 4;
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        let dst = col + <usize>(((c * kh + u) * kw + v) * P) * 4;
        for (let i = 0; i < Ho; i++) {
          let y = i * stride + u - pt;
          if (y < 0 || y >= H) {
            if (!circ) { memory.fill(dst, 0, <usize>Wo * 4); dst += <usize>Wo * 4; continue; }
            y = wrap(y, H);
          }
          const row = xc + <usize>(y * W) * 4;
          const x0 = v - pl;
          if (stride == 1 && x0 >= 0 && x0 + Wo <= W) {
            memory.copy(dst, row + <usize>x0 * 4, <usize>Wo * 4);
            dst += <usize>Wo * 4;
          } else {
            for (let j = 0; j < Wo; j++) {
              let xx = j * stride + x0;
              let val: f32 = 0;
              if (xx >= 0 && xx < W) val = load<f32>(row + <usize>xx * 4);
              else if (circ) val = load<f32>(row + <usize>wrap(xx, W) * 4);
              store<f32>(dst, val); dst += 4;
            }
          }
        }
      }
    }
  }
}

/** Adjoint of im2col: dx[c, y, x] += col[...] (dx must be zeroed by the caller). */
export function col2im(col: usize, dx: usize, C: i32, H: i32, W: i32, kh: i32, kw: i32, stride: i32, pt: i32, pl: i32,
  circ: bool, Ho: i32, Wo: i32): void {
  const P = Ho * Wo;
  for (let c = 0; c < C; c++) {
    const xc = dx + <usize>(c * H * W) * 4;
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        let src = col + <usize>(((c * kh + u) * kw + v) * P) * 4;
        for (let i = 0; i < Ho; i++) {
          let y = i * stride + u - pt;
          if (y < 0 || y >= H) {
            if (!circ) { src += <usize>Wo * 4; continue; }
            y = wrap(y, H);
          }
          const row = xc + <usize>(y * W) * 4;
          const x0 = v - pl;
          if (stride == 1 && x0 >= 0 && x0 + Wo <= W) {
            const d = row + <usize>x0 * 4;
            let j = 0;
            for (; j + 4 <= Wo; j += 4) {
              const o = d + <usize>j * 4;
              v128.store(o, f32x4.add(v128.load(o), v128.load(src + <usize>j * 4)));
            }
            for (; j < Wo; j++) {
              const o = d + <usize>j * 4;
              store<f32>(o, load<f32>(o) + load<f32>(src + <usize>j * 4));
            }
            src += <usize>Wo * 4;
          } else {
            for (let j = 0; j < Wo; j++) {
              let xx = j * stride + x0;
              if (xx < 0 || xx >= W) {
                if (!circ) { src += 4; continue; }
                xx = wrap(xx, W);
              }
              const o = row + <usize>xx * 4;
              store<f32>(o, load<f32>(o) + load<f32>(src)); src += 4;
            }
          }
        }
      }
    }
  }
}

export function convScratchBytes(C: i32, kh: i32, kw: i32, Ho: i32, Wo: i32): i32 {
  return gemmScratchBytes() + C * kh * kw * Ho * Wo * 4 + 64;
}

/** out[n] = W[O, C*kh*kw] @ im2col(x[n]). */
export function conv2dFwd(x: usize, w: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, CK = C * kh * kw;
  const col = (scratch + <usize>gemmScratchBytes() + 15) & ~<usize>15;
  for (let n = n0; n < n1; n++) {
    im2col(x + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
    gemm(w, col, out + <usize>(n * O * P) * 4, O, P, CK, false, false, false, scratch, 0, O, 0, P);
  }
}

/** dx[n] = col2im(W^T @ g[n]). */
export function conv2dGradInput(g: usize, w: usize, dx: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, CK = C * kh * kw;
  const col = (scratch + <usize>gemmScratchBytes() + 15) & ~<usize>15;
  for (let n = n0; n < n1; n++) {
    gemm(w, g + <usize>(n * O * P) * 4, col, CK, P, O, true, false, false, scratch, 0, CK, 0, P);
    const d = dx + <usize>(n * C * H * W) * 4;
    memory.fill(d, 0, <usize>(C * H * W) * 4);
    col2im(col, d, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
  }
}

/** dw[O, CK] = sum_{n in [n0,n1)} g[n] @ im2col(x[n])^T (overwrites dw). */
export function conv2dGradFilter(x: usize, g: usize, dw: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, CK = C * kh * kw;
  const col = (scratch + <usize>gemmScratchBytes() + 15) & ~<usize>15;
  if (n1 <= n0) { memory.fill(dw, 0, <usize>(O * CK) * 4); return; }
  for (let n = n0; n < n1; n++) {
    im2col(x + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
    gemm(g + <usize>(n * O * P) * 4, col, dw, O, CK, P, false, true, n > n0, scratch, 0, O, 0, CK);
  }
}


/**
 * Work-sharing entries: every thread passes the same arguments and takes chunks of
 * `grain` images from the shared counter at ctr. kind 0: forward, 1: input gradient,
 * 2: filter gradient (out is this thread's own partial dw, zeroed here and accumulated).
 */
export function convShared(kind: i32, a: usize, b: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, N: i32, grain: i32, ctr: usize, scratch: usize): void {
  const P = Ho * Wo, CK = C * kh * kw;
  const col = (scratch + <usize>gemmScratchBytes() + 15) & ~<usize>15;
  if (kind == 2) memory.fill(out, 0, <usize>(O * CK) * 4);
  for (;;) {
    const s = atomic.add<i32>(ctr, grain);
    if (s >= N) break;
    const e = min(s + grain, N);
    if (kind == 0) conv2dFwd(a, b, out, C, H, W, O, kh, kw, stride, pt, pl, circ, Ho, Wo, s, e, scratch);
    else if (kind == 1) conv2dGradInput(a, b, out, C, H, W, O, kh, kw, stride, pt, pl, circ, Ho, Wo, s, e, scratch);
    else {
      for (let n = s; n < e; n++) {
        im2col(a + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
        gemm(b + <usize>(n * O * P) * 4, col, out, O, CK, P, false, true, true, scratch, 0, O, 0, CK);
      }
    }
  }
}
