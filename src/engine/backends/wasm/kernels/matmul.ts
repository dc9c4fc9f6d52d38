// Packed, cache-tiled, register-blocked f32x4 SGEMM (Goto/BLIS structure).
// C[m,n] (= or +=) op(A)[m,k] * op(B)[k,n]; op() transposes when the flag is set.
// Packing absorbs every transpose case, so one 4x8 micro-kernel serves all four.
// A caller-provided scratch area holds the packed panels (see gemmScratchBytes).

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4 + 64;
}

/** 4x8 tile: acc[r] (2 vectors per row) over kc; writes (or adds) into c with row stride ldc bytes. */
@inline
function micro4x8(kc: i32, ap: usize, bp: usize, cp: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16; bp += 32;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(cp)); c01 = f32x4.add(c01, v128.load(cp, 16)); cp += ldc;
    c10 = f32x4.add(c10, v128.load(cp)); c11 = f32x4.add(c11, v128.load(cp, 16)); cp += ldc;
    c20 = f32x4.add(c20, v128.load(cp)); c21 = f32x4.add(c21, v128.load(cp, 16)); cp += ldc;
    c30 = f32x4.add(c30, v128.load(cp)); c31 = f32x4.add(c31, v128.load(cp, 16));
    cp -= 3 * ldc;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16); cp += ldc;
  v128.store(cp, c10); v128.store(cp, c11, 16); cp += ldc;
  v128.store(cp, c20); v128.store(cp, c21, 16); cp += ldc;
  v128.store(cp, c30); v128.store(cp, c31, 16);
}

/** Pack rows [i0,i0+mc) x cols [p0,p0+kc) of op(A) into MR-row panels (zero padded). */
function packA(a: usize, m: i32, k: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + <usize>(ir * kc) * 4;
    const i = i0 + ir;
    if (transA) {
      // A stored [k, m]: the MR rows of a panel are contiguous.
      let src = a + (<usize>p0 * m + i) * 4;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) { v128.store(panel + <usize>p * 16, v128.load(src)); src += <usize>m * 4; }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(panel + <usize>(p * MR + r) * 4, r < rows ? load<f32>(src + <usize>r * 4) : 0);
          src += <usize>m * 4;
        }
      }
    } else {
      // A stored [m, k]: gather one value from each of MR rows.
      if (rows == MR) {
        const r0 = a + (<usize>i * k + p0) * 4, ld = <usize>k * 4;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          // 4x4 transpose in registers
          const x0 = v128.load(r0 + <usize>p * 4), x1 = v128.load(r0 + ld + <usize>p * 4);
          const x2 = v128.load(r0 + 2 * ld + <usize>p * 4), x3 = v128.load(r0 + 3 * ld + <usize>p * 4);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          const o = panel + <usize>p * 16;
          v128.store(o, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(o, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
          v128.store(o, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
          v128.store(o, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
        }
        for (; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(panel + <usize>(p * MR + r) * 4, load<f32>(r0 + <usize>r * ld + <usize>p * 4));
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) {
            store<f32>(panel + <usize>(p * MR + r) * 4, r < rows ? load<f32>(a + (<usize>(i + r) * k + p0 + p) * 4) : 0);
          }
        }
      }
    }
  }
}

/** Pack rows [p0,p0+kc) x cols [j0,j0+nc) of op(B) into NR-column panels (zero padded). */
function packB(b: usize, k: i32, n: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + <usize>(jr * kc) * 4;
    const j = j0 + jr;
    if (!transB) {
      let src = b + (<usize>p0 * n + j) * 4;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          const o = panel + <usize>p * 32;
          v128.store(o, v128.load(src)); v128.store(o, v128.load(src, 16), 16);
          src += <usize>n * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(panel + <usize>(p * NR + c) * 4, c < cols ? load<f32>(src + <usize>c * 4) : 0);
          src += <usize>n * 4;
        }
      }
    } else {
      // B stored [n, k]
      if (cols == NR) {
        const r0 = b + (<usize>j * k + p0) * 4, ld = <usize>k * 4;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          for (let h = 0; h < 2; h++) {
            const rb = r0 + <usize>(h * 4) * ld + <usize>p * 4;
            const x0 = v128.load(rb), x1 = v128.load(rb + ld), x2 = v128.load(rb + 2 * ld), x3 = v128.load(rb + 3 * ld);
            const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
            const o = panel + <usize>p * 32 + <usize>h * 16;
            v128.store(o, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
            v128.store(o, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
            v128.store(o, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
            v128.store(o, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
          }
        }
        for (; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(panel + <usize>(p * NR + c) * 4, load<f32>(r0 + <usize>c * ld + <usize>p * 4));
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) {
            store<f32>(panel + <usize>(p * NR + c) * 4, c < cols ? load<f32>(b + (<usize>(j + c) * k + p0 + p) * 4) : 0);
          }
        }
      }
    }
  }
}

/**
 * C[i0:i1, j0:j1] of one product; C has row stride n. `accumulate` adds to C.
 * scratch must hold gemmScratchBytes() bytes (16-byte aligned).
 */
export function gemm(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool, accumulate: bool,
  scratch: usize, i0: i32, i1: i32, j0: i32, j1: i32): void {
  if (i1 <= i0 || j1 <= j0) return;
  const ldc = <usize>n * 4;
  if (k == 0) {
    if (!accumulate) for (let i = i0; i < i1; i++) memory.fill(c + (<usize>i * n + j0) * 4, 0, <usize>(j1 - j0) * 4);
    return;
  }
  const pa = (scratch + 15) & ~<usize>15;
  const pb = pa + <usize>(MC * KC) * 4;
  const tile = pb + <usize>(KC * NC) * 4;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const acc = accumulate || pc > 0;
      packB(b, k, n, transB, pc, kc, jc, nc, pb);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA(a, m, k, transA, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = pb + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const ap = pa + <usize>(ir * kc) * 4;
            const cp = c + (<usize>(ic + ir) * n + jc + jr) * 4;
            if (rows == MR && cols == NR) {
              if (acc) micro4x8(kc, ap, bp, cp, ldc, true);
              else micro4x8(kc, ap, bp, cp, ldc, false);
            } else {
              micro4x8(kc, ap, bp, tile, NR * 4, false);
              for (let r = 0; r < rows; r++) {
                for (let q = 0; q < cols; q++) {
                  const o = cp + <usize>r * ldc + <usize>q * 4;
                  const v = load<f32>(tile + <usize>(r * NR + q) * 4);
                  store<f32>(o, acc ? load<f32>(o) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Batched product: for bt in [bt0,bt1): C[bt] = op(A[bt]) op(B[bt]), restricted to
 * rows [i0,i1) and cols [j0,j1). strideA/strideB are in elements (0 = shared operand).
 */
export function sgemm(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  strideA: i32, strideB: i32, bt0: i32, bt1: i32, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  for (let bt = bt0; bt < bt1; bt++) {
    gemm(a + <usize>bt * strideA * 4, b + <usize>bt * strideB * 4, c + <usize>bt * m * n * 4, m, n, k, transA, transB, false,
      scratch, i0, i1, j0, j1);
  }
}

/**
 * Work-sharing entry for several threads: every thread calls this with the same
 * arguments and takes chunks of `grain` along one dimension (mode 0: batch,
 * 1: columns, 2: rows) from the shared counter at ctr until none are left, so a
 * thread on a busier core simply takes fewer chunks.
 */
export function sgemmShared(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  strideA: i32, strideB: i32, batch: i32, mode: i32, grain: i32, ctr: usize, scratch: usize): void {
  const total = mode == 0 ? batch : mode == 1 ? n : m;
  for (;;) {
    const s = atomic.add<i32>(ctr, grain);
    if (s >= total) break;
    const e = min(s + grain, total);
    if (mode == 0) sgemm(a, b, c, m, n, k, transA, transB, strideA, strideB, s, e, 0, m, 0, n, scratch);
    else if (mode == 1) sgemm(a, b, c, m, n, k, transA, transB, strideA, strideB, 0, batch, 0, m, s, e, scratch);
    else sgemm(a, b, c, m, n, k, transA, transB, strideA, strideB, 0, batch, s, e, 0, n, scratch);
  }
}
