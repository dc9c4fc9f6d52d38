// Batched complex FFTs (interleaved [re, im] float32) by a mixed-radix Stockham
// autosort transform along axis 0 of an [n, m] complex matrix, vectorised over
// the m columns (two complex numbers per f32x4). Radix 4 and 2 are specialised;
// any other prime factor uses a generic radix-p butterfly (28 = 4 * 7). Twiddles
// come from the host, computed in float64 (src/engine/fft/host.ts) and rounded once:
// tw[2k] = cos(2 pi k / n), tw[2k+1] = sin(2 pi k / n).
// 2-D transforms: transpose, axis-0 pass (rows), transpose back, axis-0 pass (columns).

@inline function ld(p: usize, half: bool): v128 { return half ? v128.load64_zero(p) : v128.load(p); }
@inline function st(p: usize, v: v128, half: bool): void { if (half) v128.store64_lane(p, v, 0); else v128.store(p, v); }
/** v * (wr + i wi) for two interleaved complex numbers; ws = [-wi, wi, -wi, wi]. */
@inline function cmul(v: v128, wr: v128, ws: v128): v128 {
  return f32x4.add(f32x4.mul(v, wr), f32x4.mul(v128.shuffle<f32>(v, v, 1, 0, 3, 2), ws));
}

function nextRadix(rem: i32): i32 {
  if (rem % 4 == 0) return 4;
  if (rem % 2 == 0) return 2;
  for (let p = 3; p * p <= rem; p += 2) if (rem % p == 0) return p;
  return rem;
}

@inline function bfly2(i0: usize, i1: usize, o0: usize, o1: usize, w1r: v128, w1s: v128, half: bool): void {
  const a0 = ld(i0, half), a1 = cmul(ld(i1, half), w1r, w1s);
  st(o0, f32x4.add(a0, a1), half); st(o1, f32x4.sub(a0, a1), half);
}

@inline function bfly4(i0: usize, i1: usize, i2: usize, i3: usize, o0: usize, o1: usize, o2: usize, o3: usize,
  w1r: v128, w1s: v128, w2r: v128, w2s: v128, w3r: v128, w3s: v128, rot: v128, half: bool): void {
  const a0 = ld(i0, half), a1 = cmul(ld(i1, half), w1r, w1s), a2 = cmul(ld(i2, half), w2r, w2s), a3 = cmul(ld(i3, half), w3r, w3s);
  const t0 = f32x4.add(a0, a2), t1 = f32x4.sub(a0, a2), t2 = f32x4.add(a1, a3);
  const d = f32x4.sub(a1, a3);
  const t3 = f32x4.mul(v128.shuffle<f32>(d, d, 1, 0, 3, 2), rot); // d * (-i) forward, d * (+i) inverse
  st(o0, f32x4.add(t0, t2), half); st(o2, f32x4.sub(t0, t2), half);
  st(o1, f32x4.add(t1, t3), half); st(o3, f32x4.sub(t1, t3), half);
}

/**
 * One Stockham stage of radix R with Ns = product of earlier radices. vt: R*16 bytes temp.
 * tw is the table of a length n * tws (entry k * tws is w_n^k), so sub-transforms share the big one's.
 */
function stage(src: usize, dst: usize, n: i32, m: i32, R: i32, Ns: i32, tw: usize, inverse: bool, vt: usize, tws: i32): void {
  const T = n / R, rowB = <usize>m * 8, tstep = n / (Ns * R);
  const tb = <usize>tws * 8; // bytes per table step
  const sg: f32 = inverse ? 1 : -1;
  const pairs = m >> 1, odd = (m & 1) != 0;
  const rot = inverse ? f32x4(-1, 1, -1, 1) : f32x4(1, -1, 1, -1);
  for (let j = 0; j < T; j++) {
    const k = j % Ns;
    const d = (j / Ns) * Ns * R + k;
    if (R == 2) {
      const ti = <usize>((k * tstep) % n) * tb;
      const wr = load<f32>(tw + ti), wi = sg * load<f32>(tw + ti + 4);
      const w1r = f32x4.splat(wr), w1s = f32x4(-wi, wi, -wi, wi);
      const i0 = src + <usize>j * rowB, i1 = src + <usize>(j + T) * rowB;
      const o0 = dst + <usize>d * rowB, o1 = dst + <usize>(d + Ns) * rowB;
      for (let c = 0; c < pairs; c++) { const off = <usize>c * 16; bfly2(i0 + off, i1 + off, o0 + off, o1 + off, w1r, w1s, false); }
      if (odd) { const off = <usize>pairs * 16; bfly2(i0 + off, i1 + off, o0 + off, o1 + off, w1r, w1s, true); }
    } else if (R == 4) {
      const b1 = <usize>((k * tstep) % n) * tb, b2 = <usize>((2 * k * tstep) % n) * tb, b3 = <usize>((3 * k * tstep) % n) * tb;
      const x1 = sg * load<f32>(tw + b1 + 4), x2 = sg * load<f32>(tw + b2 + 4), x3 = sg * load<f32>(tw + b3 + 4);
      const w1r = f32x4.splat(load<f32>(tw + b1)), w1s = f32x4(-x1, x1, -x1, x1);
      const w2r = f32x4.splat(load<f32>(tw + b2)), w2s = f32x4(-x2, x2, -x2, x2);
      const w3r = f32x4.splat(load<f32>(tw + b3)), w3s = f32x4(-x3, x3, -x3, x3);
      const i0 = src + <usize>j * rowB, i1 = src + <usize>(j + T) * rowB, i2 = src + <usize>(j + 2 * T) * rowB, i3 = src + <usize>(j + 3 * T) * rowB;
      const o0 = dst + <usize>d * rowB, o1 = dst + <usize>(d + Ns) * rowB, o2 = dst + <usize>(d + 2 * Ns) * rowB, o3 = dst + <usize>(d + 3 * Ns) * rowB;
      for (let c = 0; c < pairs; c++) {
        const off = <usize>c * 16;
        bfly4(i0 + off, i1 + off, i2 + off, i3 + off, o0 + off, o1 + off, o2 + off, o3 + off, w1r, w1s, w2r, w2s, w3r, w3s, rot, false);
      }
      if (odd) {
        const off = <usize>pairs * 16;
        bfly4(i0 + off, i1 + off, i2 + off, i3 + off, o0 + off, o1 + off, o2 + off, o3 + off, w1r, w1s, w2r, w2s, w3r, w3s, rot, true);
      }
    } else {
      const nR = n / R;
      const total = pairs + (odd ? 1 : 0);
      for (let c = 0; c < total; c++) {
        const half = c == pairs;
        const off = <usize>c * 16;
        for (let r = 0; r < R; r++) {
          const ti = <usize>((k * r * tstep) % n) * tb;
          const wr = load<f32>(tw + ti), wi = sg * load<f32>(tw + ti + 4);
          v128.store(vt + <usize>r * 16, cmul(ld(src + <usize>(j + r * T) * rowB + off, half), f32x4.splat(wr), f32x4(-wi, wi, -wi, wi)));
        }
        for (let q = 0; q < R; q++) {
          let acc = v128.load(vt);
          for (let r = 1; r < R; r++) {
            const ti = <usize>(((r * q) % R) * nR) * tb;
            const wr = load<f32>(tw + ti), wi = sg * load<f32>(tw + ti + 4);
            acc = f32x4.add(acc, cmul(v128.load(vt + <usize>r * 16), f32x4.splat(wr), f32x4(-wi, wi, -wi, wi)));
          }
          st(dst + <usize>(d + q * Ns) * rowB + off, acc, half);
        }
      }
    }
  }
}

/** Transform along axis 0 of a [n, m] complex matrix at a; b is a same-size temp. Returns where the result is. */
export function fftAxis0(a: usize, b: usize, n: i32, m: i32, tw: usize, inverse: bool, vt: usize, tws: i32 = 1): usize {
  let src = a, dst = b;
  let Ns = 1;
  while (Ns < n) {
    const R = nextRadix(n / Ns);
    stage(src, dst, n, m, R, Ns, tw, inverse, vt, tws);
    const t = src; src = dst; dst = t;
    Ns *= R;
  }
  return src;
}

/** Complex transpose: a [r, c] -> b [c, r]. */
export function ctranspose(a: usize, b: usize, r: i32, c: i32): void {
  const T: i32 = 8;
  for (let i0 = 0; i0 < r; i0 += T) {
    const i1 = min(r, i0 + T);
    for (let j0 = 0; j0 < c; j0 += T) {
      const j1 = min(c, j0 + T);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) store<u64>(b + (<usize>j * r + i) * 8, load<u64>(a + (<usize>i * c + j) * 8));
      }
    }
  }
}

@inline function scale(p: usize, count: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(p + <usize>i * 4, f32x4.mul(v128.load(p + <usize>i * 4), sv));
  for (; i < count; i++) store<f32>(p + <usize>i * 4, load<f32>(p + <usize>i * 4) * s);
}

function chunkRows(n: i32): i32 {
  let B = 8192 / max(n, 1);
  if (B < 2) B = 2;
  return B;
}

// Large 1-D transforms by the four-step split n = n1 * n2: length-n1 transforms down the columns of
// x as an [n1, n2] matrix, a twiddle w_n^(j2 k1), length-n2 transforms along its rows, read out
// transposed. Each sub-transform runs on a block of CB columns or rows that stays in L2, so the whole
// signal crosses memory four times instead of twice per radix stage.
const CB: i32 = 16;
/**
 * n1 of the split (0: transform directly): the largest divisor <= sqrt(n), for n >= 2^11, and from
 * 2^8 when the whole batch has fewer than 4 rows (the direct path vectorises over rows). It depends
 * on the batch, not on a thread's share of it, so results do not depend on the thread count.
 */
function fourStepSplit(n: i32, batch: i32): i32 {
  if (n < 2048 && (n < 256 || batch >= 4)) return 0;
  let best = 0;
  for (let d = 16; d * d <= n; d++) if (n % d == 0) best = d;
  return best;
}

function fft1FourStep(x: usize, out: usize, n: i32, n1: i32, tw: usize, inverse: bool, b0: i32, b1: i32, scratch: usize): void {
  const n2 = n / n1, blk = <usize>(max(n1, n2) * CB) * 8;
  const A = (scratch + 15) & ~<usize>15, P = A + <usize>n * 8, Q = P + blk, vt = Q + blk;
  const sg: f32 = inverse ? 1 : -1;
  for (let b = b0; b < b1; b++) {
    const xs = x + <usize>b * n * 8, os = out + <usize>b * n * 8;
    for (let c0 = 0; c0 < n2; c0 += CB) {
      const cb = min(CB, n2 - c0);
      for (let r = 0; r < n1; r++) memory.copy(P + <usize>(r * cb) * 8, xs + <usize>(r * n2 + c0) * 8, <usize>cb * 8);
      const R = fftAxis0(P, Q, n1, cb, tw, inverse, vt, n2);
      for (let k1 = 0; k1 < n1; k1++) {
        for (let c = 0; c < cb; c++) {
          const j2 = c0 + c, ti = <usize>(j2 * k1) * 8; // j2 k1 < n: no reduction needed
          const wr = load<f32>(tw + ti), wi = sg * load<f32>(tw + ti + 4);
          const s = R + <usize>(k1 * cb + c) * 8, d = A + <usize>(k1 * n2 + j2) * 8;
          const re = load<f32>(s), im = load<f32>(s, 4);
          store<f32>(d, re * wr - im * wi); store<f32>(d, re * wi + im * wr, 4);
        }
      }
    }
    for (let r0 = 0; r0 < n1; r0 += CB) {
      const rb = min(CB, n1 - r0);
      ctranspose(A + <usize>(r0 * n2) * 8, P, rb, n2);
      const R = fftAxis0(P, Q, n2, rb, tw, inverse, vt, n1);
      for (let k2 = 0; k2 < n2; k2++) memory.copy(os + <usize>(k2 * n1 + r0) * 8, R + <usize>(k2 * rb) * 8, <usize>rb * 8);
    }
    if (inverse) scale(os, n * 2, <f32>(1.0 / <f64>n));
  }
}

export function fftScratchBytes(n: i32, batch: i32): i32 {
  const n1 = fourStepSplit(n, 1);
  const four = n1 > 0 ? n * 8 + 2 * max(n1, n / n1) * CB * 8 + max(n1, n / n1) * 16 + 64 : 0;
  const B = chunkRows(n); // fft1 always lays out full chunks
  return max(four, 2 * B * n * 8 + n * 16 + 64);
}

/** Batched 1-D transforms of x[batch, n] -> out, for batch rows [b0, b1) of `batch` (which picks the method). */
export function fft1(x: usize, out: usize, n: i32, tw: usize, inverse: bool, b0: i32, b1: i32, scratch: usize, batch: i32): void {
  const n1 = fourStepSplit(n, batch);
  if (n1 > 0) { fft1FourStep(x, out, n, n1, tw, inverse, b0, b1, scratch); return; }
  const B = chunkRows(n);
  const A = (scratch + 15) & ~<usize>15;
  const Bf = A + <usize>(B * n) * 8;
  const vt = Bf + <usize>(B * n) * 8;
  for (let s = b0; s < b1; s += B) {
    const cnt = min(B, b1 - s);
    const xs = x + <usize>s * n * 8, os = out + <usize>s * n * 8;
    ctranspose(xs, A, cnt, n);
    const r = fftAxis0(A, Bf, n, cnt, tw, inverse, vt);
    ctranspose(r, os, n, cnt);
    if (inverse) scale(os, cnt * n * 2, <f32>(1.0 / <f64>n));
  }
}

export function fft2ScratchBytes(h: i32, w: i32): i32 {
  return 2 * h * w * 8 + max(h, w) * 16 + 64;
}

/** Batched 2-D transforms of x[batch, h, w] (complex) -> out, images [b0, b1). */
export function fft2(x: usize, out: usize, h: i32, w: i32, twh: usize, tww: usize, inverse: bool, b0: i32, b1: i32, scratch: usize): void {
  const A = (scratch + 15) & ~<usize>15;
  const Bf = A + <usize>(h * w) * 8;
  const vt = Bf + <usize>(h * w) * 8;
  const img = <usize>(h * w) * 8;
  for (let b = b0; b < b1; b++) {
    const xi = x + <usize>b * img, oi = out + <usize>b * img;
    ctranspose(xi, A, h, w); // [w, h]: rows of x are now columns
    let r = fftAxis0(A, Bf, w, h, tww, inverse, vt);
    ctranspose(r, oi, w, h);
    r = fftAxis0(oi, A, h, w, twh, inverse, vt);
    if (r != oi) memory.copy(oi, r, img);
    if (inverse) scale(oi, h * w * 2, <f32>(1.0 / (<f64>h * <f64>w)));
  }
}

/** z[i] = (x[i], 0) for i in [i0, i1). */
export function realToComplex(x: usize, z: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) { store<f32>(z + <usize>i * 8, load<f32>(x + <usize>i * 4)); store<f32>(z + <usize>i * 8, 0, 4); }
}

/** out[i] = re(z[i]). */
export function complexToReal(z: usize, out: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) store<f32>(out + <usize>i * 4, load<f32>(z + <usize>i * 8));
}

/**
 * Spectral products for the full-width circular convolutions:
 * Z[a*nB + b] = sum_s P[a*pa + s*ps] * (conjQ ? conj : id)(Q[b*qb + s*qs]), planes of hw complex numbers,
 * for a in [a0, a1).
 */
export function spectralProduct(P: usize, Q: usize, Z: usize, nB: i32, nS: i32, pa: i32, ps: i32, qb: i32, qs: i32,
  hw: i32, conjQ: bool, a0: i32, a1: i32): void {
  const plane = <usize>hw * 8;
  const cj = conjQ ? f32x4(1, -1, 1, -1) : f32x4(1, 1, 1, 1);
  const sgn = f32x4(-1, 1, -1, 1);
  const pairs = hw >> 1;
  for (let a = a0; a < a1; a++) {
    for (let b = 0; b < nB; b++) {
      const z = Z + <usize>(a * nB + b) * plane;
      memory.fill(z, 0, plane);
      for (let s = 0; s < nS; s++) {
        const p = P + <usize>(a * pa + s * ps) * plane, q = Q + <usize>(b * qb + s * qs) * plane;
        const total = pairs + (hw & 1);
        for (let c = 0; c < total; c++) {
          const half = c == pairs, off = <usize>c * 16;
          const pv = ld(p + off, half), qv = f32x4.mul(ld(q + off, half), cj);
          const pre = v128.shuffle<f32>(pv, pv, 0, 0, 2, 2), pim = v128.shuffle<f32>(pv, pv, 1, 1, 3, 3);
          const qsw = f32x4.mul(v128.shuffle<f32>(qv, qv, 1, 0, 3, 2), sgn);
          const prod = f32x4.add(f32x4.mul(pre, qv), f32x4.mul(pim, qsw));
          st(z + off, f32x4.add(ld(z + off, half), prod), half);
        }
      }
    }
  }
}

/** Work-sharing entry: 2-D (dims 2) or 1-D (dims 1) batched transforms, chunks of `grain` from the counter at ctr. */
export function fftShared(dims: i32, x: usize, out: usize, h: i32, w: i32, twh: usize, tww: usize, inverse: bool, batch: i32,
  grain: i32, ctr: usize, scratch: usize): void {
  for (;;) {
    const s = atomic.add<i32>(ctr, grain);
    if (s >= batch) break;
    const e = min(s + grain, batch);
    if (dims == 2) fft2(x, out, h, w, twh, tww, inverse, s, e, scratch);
    else fft1(x, out, w, tww, inverse, s, e, scratch, batch);
  }
}

// ---- real-input transforms by pairs: one complex FFT carries two real planes ----

/** z[j] = x[2j] + i x[2j+1] over planes of hw reals (a missing last odd plane reads as 0). */
export function packRealPairs(x: usize, z: usize, planes: i32, hw: i32): void {
  const pairs = (planes + 1) >> 1;
  for (let j = 0; j < pairs; j++) {
    const a = x + <usize>(2 * j * hw) * 4, b = a + <usize>hw * 4, zz = z + <usize>(j * hw) * 8;
    if (2 * j + 1 < planes) {
      let i = 0;
      for (; i + 4 <= hw; i += 4) { // interleave 4 + 4 reals into 4 complex numbers
        const p = v128.load(a + <usize>i * 4), q = v128.load(b + <usize>i * 4);
        v128.store(zz + <usize>i * 8, v128.shuffle<f32>(p, q, 0, 4, 1, 5));
        v128.store(zz + <usize>i * 8 + 16, v128.shuffle<f32>(p, q, 2, 6, 3, 7));
      }
      for (; i < hw; i++) { store<f32>(zz + <usize>i * 8, load<f32>(a + <usize>i * 4)); store<f32>(zz + <usize>i * 8, load<f32>(b + <usize>i * 4), 4); }
    } else {
      for (let i = 0; i < hw; i++) { store<f32>(zz + <usize>i * 8, load<f32>(a + <usize>i * 4)); store<f32>(zz + <usize>i * 8, 0, 4); }
    }
  }
}

/**
 * Half spectra (rfft2) from Z = F(x0 + i x1): F(x0)[k] = (Z[k] + conj Z[-k]) / 2, F(x1)[k] = (Z[k] - conj Z[-k]) / 2i,
 * written only for columns k2 in [0, w/2]: out is [planes, h, wh] with wh = floor(w/2) + 1. The other
 * columns follow from Hermitian symmetry, F(x)[k1, k2] = conj F(x)[-k1, w - k2].
 */
export function splitRealPairs(z: usize, out: usize, planes: i32, h: i32, w: i32): void {
  const pairs = (planes + 1) >> 1, hw = h * w, wh = (w >> 1) + 1, hh = h * wh;
  for (let j = 0; j < pairs; j++) {
    const zz = z + <usize>(j * hw) * 8, o0 = out + <usize>(2 * j * hh) * 8, o1 = o0 + <usize>hh * 8;
    const two = 2 * j + 1 < planes;
    for (let k1 = 0; k1 < h; k1++) {
      const n1 = k1 == 0 ? 0 : h - k1;
      const zrow = zz + <usize>(k1 * w) * 8, mrow = zz + <usize>(n1 * w) * 8, drow = <usize>(k1 * wh) * 8;
      let k2 = 1;
      // two columns at a time: Z[k1, k2..k2+1] against the mirrored pair Z[-k1, w-k2-1..w-k2], swapped
      for (; k2 + 1 < wh; k2 += 2) {
        const zv = v128.load(zrow + <usize>k2 * 8), m = v128.load(mrow + <usize>(w - k2 - 1) * 8);
        const cj = f32x4.mul(v128.shuffle<f32>(m, m, 2, 3, 0, 1), f32x4(1, -1, 1, -1)); // conj Z[-k]
        const d = drow + <usize>k2 * 8;
        v128.store(o0 + d, f32x4.mul(f32x4.add(zv, cj), f32x4.splat(0.5)));
        if (two) {
          const df = f32x4.sub(zv, cj); // (zr - cr, zi + ci): divided by 2i below
          v128.store(o1 + d, f32x4.mul(v128.shuffle<f32>(df, df, 1, 0, 3, 2), f32x4(0.5, -0.5, 0.5, -0.5)));
        }
      }
      for (let k = 0; k < wh; k = k == 0 ? k2 : k + 1) { // column 0 and what the pairs left
        const p = zrow + <usize>k * 8, q = mrow + <usize>(k == 0 ? 0 : w - k) * 8;
        const zr = load<f32>(p), zi = load<f32>(p, 4), cr = load<f32>(q), ci = load<f32>(q, 4);
        const d = drow + <usize>k * 8;
        store<f32>(o0 + d, (zr + cr) * 0.5); store<f32>(o0 + d, (zi - ci) * 0.5, 4);
        if (two) { store<f32>(o1 + d, (zi + ci) * 0.5); store<f32>(o1 + d, (cr - zr) * 0.5, 4); }
      }
    }
  }
}

/**
 * v[j] = Y[2j] + i Y[2j+1] on the full h x w grid, from half spectra of real signals ([planes, h, wh]
 * as splitRealPairs writes them): the missing columns are conj Y[-k1, w - k2].
 */
export function packSpectraPairs(y: usize, v: usize, planes: i32, h: i32, w: i32): void {
  const pairs = (planes + 1) >> 1, hw = h * w, wh = (w >> 1) + 1, hh = h * wh;
  for (let j = 0; j < pairs; j++) {
    const a = y + <usize>(2 * j * hh) * 8, vv = v + <usize>(j * hw) * 8;
    const two = 2 * j + 1 < planes, b = two ? a + <usize>hh * 8 : 0;
    for (let k1 = 0; k1 < h; k1++) {
      const n1 = k1 == 0 ? 0 : h - k1, row = vv + <usize>(k1 * w) * 8;
      const dir = <usize>(k1 * wh) * 8, mir = <usize>(n1 * wh) * 8;
      for (let k2 = 0; k2 < wh; k2++) { // stored columns: V = Ya + i Yb
        const o = dir + <usize>k2 * 8, d = row + <usize>k2 * 8;
        const ar = load<f32>(a + o), ai = load<f32>(a + o, 4);
        const br: f32 = two ? load<f32>(b + o) : 0, bi: f32 = two ? load<f32>(b + o, 4) : 0;
        store<f32>(d, ar - bi); store<f32>(d, ai + br, 4);
      }
      for (let k2 = wh; k2 < w; k2++) { // mirrored columns: Y[k1, k2] = conj Y[-k1, w - k2]
        const o = mir + <usize>(w - k2) * 8, d = row + <usize>k2 * 8;
        const ar = load<f32>(a + o), ai = -load<f32>(a + o, 4);
        const br: f32 = two ? load<f32>(b + o) : 0, bi: f32 = two ? -load<f32>(b + o, 4) : 0;
        store<f32>(d, ar - bi); store<f32>(d, ai + br, 4);
      }
    }
  }
}

/** out[2j] = re v[j], out[2j+1] = im v[j] (planes of hw reals). */
export function unpackRealPairs(v: usize, out: usize, planes: i32, hw: i32): void {
  const pairs = (planes + 1) >> 1;
  for (let j = 0; j < pairs; j++) {
    const vv = v + <usize>(j * hw) * 8, o0 = out + <usize>(2 * j * hw) * 4, o1 = o0 + <usize>hw * 4;
    if (2 * j + 1 < planes) {
      let i = 0;
      for (; i + 4 <= hw; i += 4) { // deinterleave 4 complex numbers: re -> plane 2j, im -> plane 2j+1
        const p = v128.load(vv + <usize>i * 8), q = v128.load(vv + <usize>i * 8 + 16);
        v128.store(o0 + <usize>i * 4, v128.shuffle<f32>(p, q, 0, 2, 4, 6));
        v128.store(o1 + <usize>i * 4, v128.shuffle<f32>(p, q, 1, 3, 5, 7));
      }
      for (; i < hw; i++) { store<f32>(o0 + <usize>i * 4, load<f32>(vv + <usize>i * 8)); store<f32>(o1 + <usize>i * 4, load<f32>(vv + <usize>i * 8, 4)); }
    } else {
      for (let i = 0; i < hw; i++) store<f32>(o0 + <usize>i * 4, load<f32>(vv + <usize>i * 8));
    }
  }
}
