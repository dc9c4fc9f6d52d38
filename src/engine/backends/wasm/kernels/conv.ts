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
 * 2: filter gradient: chunk s/grain sums its images, in order, into its own partial
 * dw at out + (s/grain) * O*CK floats (zeroed here), so that the sum does not depend
 * on which thread took which chunk; the caller adds the partials in chunk order.
 */
export function convShared(kind: i32, a: usize, b: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, N: i32, grain: i32, ctr: usize, scratch: usize): void {
  const P = Ho * Wo, CK = C * kh * kw;
  const col = (scratch + <usize>gemmScratchBytes() + 15) & ~<usize>15;
  for (;;) {
    const s = atomic.add<i32>(ctr, grain);
    if (s >= N) break;
    const e = min(s + grain, N);
    if (kind == 0) conv2dFwd(a, b, out, C, H, W, O, kh, kw, stride, pt, pl, circ, Ho, Wo, s, e, scratch);
    else if (kind == 1) conv2dGradInput(a, b, out, C, H, W, O, kh, kw, stride, pt, pl, circ, Ho, Wo, s, e, scratch);
    else {
      const part = out + <usize>(s / grain) * <usize>(O * CK) * 4;
      for (let n = s; n < e; n++) {
        im2col(a + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
        gemm(b + <usize>(n * O * P) * 4, col, part, O, CK, P, false, true, n > s, scratch, 0, O, 0, CK);
      }
    }
  }
}

/**
 * Copy image x[C, H, W] into xp[C, Hp, Wp] with pt rows and pl columns of padding before it:
 * zeros, or the wrapped-around image (circular) for columns below validW; zeros past validW.
 */
function padImage(xn: usize, xp: usize, C: i32, H: i32, W: i32, Hp: i32, Wp: i32, pt: i32, pl: i32, circ: bool, validW: i32): void {
  for (let c = 0; c < C; c++) {
    for (let yy = 0; yy < Hp; yy++) {
      const dst = xp + <usize>((c * Hp + yy) * Wp) * 4;
      let y = yy - pt;
      if (y < 0 || y >= H) {
        if (!circ) { memory.fill(dst, 0, <usize>Wp * 4); continue; }
        y = wrap(y, H);
      }
      const src = xn + <usize>((c * H + y) * W) * 4;
      for (let xx = 0; xx < Wp; xx++) {
        const xi = xx - pl;
        let v: f32 = 0;
        if (xi >= 0 && xi < W) v = load<f32>(src + <usize>xi * 4);
        else if (circ && xx < validW) v = load<f32>(src + <usize>wrap(xi, W) * 4);
        store<f32>(dst + <usize>xx * 4, v);
      }
    }
  }
}

/** Bytes of scratch for conv2dDirect: padded image plus 4-channel-padded weights. */
export function directScratchBytes(C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, pt: i32, pb: i32, Wo: i32): i32 {
  const Hp = H + pt + pb, Wp = ((Wo + 7) & ~7) + kw - 1;
  return (C * Hp * Wp + ((O + 3) & ~3) * C * kh * kw + 32) * 4 + 64;
}

/**
 * Direct stride-1 convolution: the image is copied once into a padded buffer
 * (zeros or wrapped), then each 4-channel x 8-pixel output tile accumulates
 * f32x4 products over (c, u, v) without an im2col matrix. Chunks of `grain`
 * images come from the shared counter at ctr.
 */
export function conv2dDirect(x: usize, w: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32,
  pt: i32, pb: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, N: i32, grain: i32, ctr: usize, scratch: usize): void {
  const Hp = H + pt + pb, Wp = ((Wo + 7) & ~7) + kw - 1;
  const K = kh * kw, CK = C * K, O4 = (O + 3) & ~3;
  const xp = (scratch + 15) & ~<usize>15;
  const wt = xp + <usize>(C * Hp * Wp) * 4;
  const tile = wt + <usize>(O4 * CK) * 4;
  // weights as [O4][CK] with zero rows past O
  memory.copy(wt, w, <usize>(O * CK) * 4);
  if (O4 > O) memory.fill(wt + <usize>(O * CK) * 4, 0, <usize>((O4 - O) * CK) * 4);
  const oStride = <usize>CK * 4;
  for (;;) {
    const s = atomic.add<i32>(ctr, grain);
    if (s >= N) break;
    const e = min(s + grain, N);
    for (let n = s; n < e; n++) {
      padImage(x + <usize>(n * C * H * W) * 4, xp, C, H, W, Hp, Wp, pt, pl, circ, Wo + kw - 1);
      const on = out + <usize>(n * O * Ho * Wo) * 4;
      for (let o0 = 0; o0 < O; o0 += 4) {
        const w0 = wt + <usize>(o0 * CK) * 4;
        const rows = min(4, O - o0);
        for (let i = 0; i < Ho; i++) {
          for (let j0 = 0; j0 < Wo; j0 += 8) {
            let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
            let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
            for (let c = 0; c < C; c++) {
              for (let u = 0; u < kh; u++) {
                const row = xp + <usize>((c * Hp + i + u) * Wp + j0) * 4;
                let wp = w0 + <usize>((c * kh + u) * kw) * 4;
                for (let v = 0; v < kw; v++) {
                  const x0 = v128.load(row + <usize>v * 4), x1 = v128.load(row + <usize>v * 4 + 16);
                  let ww = v128.load32_splat(wp);
                  a00 = f32x4.add(a00, f32x4.mul(ww, x0)); a01 = f32x4.add(a01, f32x4.mul(ww, x1));
                  ww = v128.load32_splat(wp + oStride);
                  a10 = f32x4.add(a10, f32x4.mul(ww, x0)); a11 = f32x4.add(a11, f32x4.mul(ww, x1));
                  ww = v128.load32_splat(wp + 2 * oStride);
                  a20 = f32x4.add(a20, f32x4.mul(ww, x0)); a21 = f32x4.add(a21, f32x4.mul(ww, x1));
                  ww = v128.load32_splat(wp + 3 * oStride);
                  a30 = f32x4.add(a30, f32x4.mul(ww, x0)); a31 = f32x4.add(a31, f32x4.mul(ww, x1));
                  wp += 4;
                }
              }
            }
            const cols = min(8, Wo - j0);
            const op = on + <usize>((o0 * Ho + i) * Wo + j0) * 4, plane = <usize>(Ho * Wo) * 4;
            if (cols == 8 && rows == 4) {
              v128.store(op, a00); v128.store(op, a01, 16);
              v128.store(op + plane, a10); v128.store(op + plane, a11, 16);
              v128.store(op + 2 * plane, a20); v128.store(op + 2 * plane, a21, 16);
              v128.store(op + 3 * plane, a30); v128.store(op + 3 * plane, a31, 16);
            } else {
              v128.store(tile, a00); v128.store(tile, a01, 16); v128.store(tile, a10, 32); v128.store(tile, a11, 48);
              v128.store(tile, a20, 64); v128.store(tile, a21, 80); v128.store(tile, a30, 96); v128.store(tile, a31, 112);
              for (let q = 0; q < rows; q++) for (let j = 0; j < cols; j++) store<f32>(op + <usize>q * plane + <usize>j * 4, load<f32>(tile + <usize>(q * 8 + j) * 4));
            }
          }
        }
      }
    }
  }
}

/**
 * Direct stride-1 filter gradient: dw[o, c, u, v] = sum_n sum_{i,j} g[n,o,i,j] xpad[n,c,i+u,j+v].
 * Per image the input is copied once into a padded buffer; each (2 output channels x kw taps)
 * block keeps 2*kw f32x4 accumulators over 4 output pixels at a time (kw <= 4), reduced at the end.
 * Images come in chunks from the counter at ctr; chunk s/grain sums into its own partial
 * at dw + (s/grain) * O*CK floats (zeroed here), as in convShared, for a deterministic sum.
 */
export function conv2dGradFilterDirect(x: usize, g: usize, dw: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32,
  pt: i32, pb: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, N: i32, grain: i32, ctr: usize, scratch: usize): void {
  const Hp = H + pt + pb, Wp = ((Wo + 7) & ~7) + kw - 1;
  const K = kh * kw, CK = C * K;
  const xp = (scratch + 15) & ~<usize>15;
  const gt = xp + <usize>(C * Hp * Wp) * 4; // g rows padded to a multiple of 4 (zeros)
  const Wo4 = (Wo + 3) & ~3;
  for (;;) {
    const s = atomic.add<i32>(ctr, grain);
    if (s >= N) break;
    const e = min(s + grain, N);
    const part = dw + <usize>(s / grain) * <usize>(O * CK) * 4;
    memory.fill(part, 0, <usize>(O * CK) * 4);
    for (let n = s; n < e; n++) {
      padImage(x + <usize>(n * C * H * W) * 4, xp, C, H, W, Hp, Wp, pt, pl, circ, Wo + kw - 1);
      // g[n] with rows padded to Wo4 (zeros past Wo), so 4-wide loads never mix rows
      const gn = g + <usize>(n * O * Ho * Wo) * 4;
      for (let o = 0; o < O; o++) for (let i = 0; i < Ho; i++) {
        const d = gt + <usize>((o * Ho + i) * Wo4) * 4;
        memory.copy(d, gn + <usize>((o * Ho + i) * Wo) * 4, <usize>Wo * 4);
        if (Wo4 > Wo) memory.fill(d + <usize>Wo * 4, 0, <usize>(Wo4 - Wo) * 4);
      }
      for (let o = 0; o < O; o += 2) {
        const two = o + 1 < O;
        for (let c = 0; c < C; c++) {
          for (let u = 0; u < kh; u++) {
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
            let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
            for (let i = 0; i < Ho; i++) {
              const g0 = gt + <usize>((o * Ho + i) * Wo4) * 4;
              const g1 = two ? g0 + <usize>(Ho * Wo4) * 4 : g0;
              const xr = xp + <usize>((c * Hp + i + u) * Wp) * 4;
              for (let j = 0; j < Wo4; j += 4) {
                const gv0 = v128.load(g0 + <usize>j * 4), gv1 = v128.load(g1 + <usize>j * 4);
                const xj = xr + <usize>j * 4;
                let xv = v128.load(xj);
                a0 = f32x4.add(a0, f32x4.mul(gv0, xv)); b0 = f32x4.add(b0, f32x4.mul(gv1, xv));
                if (kw > 1) { xv = v128.load(xj, 4); a1 = f32x4.add(a1, f32x4.mul(gv0, xv)); b1 = f32x4.add(b1, f32x4.mul(gv1, xv)); }
                if (kw > 2) { xv = v128.load(xj, 8); a2 = f32x4.add(a2, f32x4.mul(gv0, xv)); b2 = f32x4.add(b2, f32x4.mul(gv1, xv)); }
                if (kw > 3) { xv = v128.load(xj, 12); a3 = f32x4.add(a3, f32x4.mul(gv0, xv)); b3 = f32x4.add(b3, f32x4.mul(gv1, xv)); }
              }
            }
            const w0 = part + <usize>((o * C + c) * K + u * kw) * 4;
            store<f32>(w0, load<f32>(w0) + hsum(a0));
            if (kw > 1) store<f32>(w0, load<f32>(w0, 4) + hsum(a1), 4);
            if (kw > 2) store<f32>(w0, load<f32>(w0, 8) + hsum(a2), 8);
            if (kw > 3) store<f32>(w0, load<f32>(w0, 12) + hsum(a3), 12);
            if (two) {
              const w1 = w0 + <usize>CK * 4;
              store<f32>(w1, load<f32>(w1) + hsum(b0));
              if (kw > 1) store<f32>(w1, load<f32>(w1, 4) + hsum(b1), 4);
              if (kw > 2) store<f32>(w1, load<f32>(w1, 8) + hsum(b2), 8);
              if (kw > 3) store<f32>(w1, load<f32>(w1, 12) + hsum(b3), 12);
            }
          }
        }
      }
    }
  }
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

export function gradFilterDirectScratchBytes(C: i32, H: i32, W: i32, O: i32, kw: i32, pt: i32, pb: i32, Ho: i32, Wo: i32): i32 {
  const Hp = H + pt + pb, Wp = ((Wo + 7) & ~7) + kw - 1;
  return (C * Hp * Wp + O * Ho * ((Wo + 3) & ~3)) * 4 + 64;
}
