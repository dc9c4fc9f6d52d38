// Elementwise kernels: unary ops, broadcasting binary ops (strided inputs over an
// output shape), scalar ops, where. Fast f32x4 paths for contiguous and
// broadcast-scalar inner loops; transcendental functions go through float64 Math
// so results round exactly like the reference backend.
// Op codes: UN_*/BIN_*, generated from src/engine/backends/wasm/opcodes.ts.
import { UN_NEG, UN_EXP, UN_LOG, UN_SQRT, UN_ABS, UN_SIGN, UN_RELU, UN_STEP, UN_SQUARE, UN_RECIPROCAL, UN_SIN, UN_COS,
  BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX, BIN_MIN, BIN_POW, BIN_GT, BIN_GE, BIN_LT, BIN_LE, BIN_EQ, BIN_NE, BIN_GATE } from './opcodes.generated';

@inline function un(op: i32, x: f32): f32 {
  switch (op) {
    case UN_NEG: return -x;
    case UN_EXP: return <f32>Math.exp(<f64>x);
    case UN_LOG: return <f32>Math.log(<f64>x);
    case UN_SQRT: return <f32>Math.sqrt(<f64>x);
    case UN_ABS: return Mathf.abs(x);
    case UN_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case UN_RELU: return x > 0 ? x : 0;
    case UN_STEP: return x > 0 ? 1 : 0;
    case UN_SQUARE: return x * x;
    case UN_RECIPROCAL: return <f32>(1.0 / <f64>x);
    case UN_SIN: return <f32>Math.sin(<f64>x);
    case UN_COS: default: return <f32>Math.cos(<f64>x);
  }
}

@inline function unv(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case UN_NEG: return f32x4.neg(x);
    case UN_SQRT: return f32x4.sqrt(x);
    case UN_ABS: return f32x4.abs(x);
    case UN_SIGN: return f32x4.sub(v128.and(f32x4.gt(x, zero), f32x4.splat(1)), v128.and(f32x4.lt(x, zero), f32x4.splat(1)));
    case UN_RELU: return v128.bitselect(x, zero, f32x4.gt(x, zero));
    case UN_STEP: return v128.and(f32x4.gt(x, zero), f32x4.splat(1));
    case UN_SQUARE: return f32x4.mul(x, x);
    case UN_RECIPROCAL: default: return f32x4.div(f32x4.splat(1), x); // the only other SIMD unary op (unLoop)
  }
}

@inline function unLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  if (op == UN_NEG || op == UN_SQRT || op == UN_ABS || op == UN_SIGN || op == UN_RELU || op == UN_STEP || op == UN_SQUARE || op == UN_RECIPROCAL) {
    for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, unv(op, v128.load(x + <usize>i * 4)));
  }
  for (; i < n; i++) store<f32>(out + <usize>i * 4, un(op, load<f32>(x + <usize>i * 4)));
}

export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case UN_NEG: unLoop(UN_NEG, x, out, n); break;
    case UN_EXP: unLoop(UN_EXP, x, out, n); break;
    case UN_LOG: unLoop(UN_LOG, x, out, n); break;
    case UN_SQRT: unLoop(UN_SQRT, x, out, n); break;
    case UN_ABS: unLoop(UN_ABS, x, out, n); break;
    case UN_SIGN: unLoop(UN_SIGN, x, out, n); break;
    case UN_RELU: unLoop(UN_RELU, x, out, n); break;
    case UN_STEP: unLoop(UN_STEP, x, out, n); break;
    case UN_SQUARE: unLoop(UN_SQUARE, x, out, n); break;
    case UN_RECIPROCAL: unLoop(UN_RECIPROCAL, x, out, n); break;
    case UN_SIN: unLoop(UN_SIN, x, out, n); break;
    case UN_COS: default: unLoop(UN_COS, x, out, n); break;
  }
}

@inline function bin(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BIN_ADD: return a + b;
    case BIN_SUB: return a - b;
    case BIN_MUL: return a * b;
    case BIN_DIV: return a / b;
    case BIN_MAX: return a >= b || a != a ? a : b;
    case BIN_MIN: return a <= b || a != a ? a : b;
    case BIN_POW: return <f32>Math.pow(<f64>a, <f64>b);
    case BIN_GT: return a > b ? 1 : 0;
    case BIN_GE: return a >= b ? 1 : 0;
    case BIN_LT: return a < b ? 1 : 0;
    case BIN_LE: return a <= b ? 1 : 0;
    case BIN_EQ: return a == b ? 1 : 0;
    case BIN_GATE: return b > 0 ? a : 0;
    case BIN_NE: default: return a != b ? 1 : 0;
  }
}

@inline function binv(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case BIN_ADD: return f32x4.add(a, b);
    case BIN_SUB: return f32x4.sub(a, b);
    case BIN_MUL: return f32x4.mul(a, b);
    case BIN_DIV: return f32x4.div(a, b);
    case BIN_MAX: return v128.bitselect(a, b, v128.or(f32x4.ge(a, b), f32x4.ne(a, a)));
    case BIN_MIN: return v128.bitselect(a, b, v128.or(f32x4.le(a, b), f32x4.ne(a, a)));
    case BIN_GT: return v128.and(f32x4.gt(a, b), one);
    case BIN_GE: return v128.and(f32x4.ge(a, b), one);
    case BIN_LT: return v128.and(f32x4.lt(a, b), one);
    case BIN_LE: return v128.and(f32x4.le(a, b), one);
    case BIN_EQ: return v128.and(f32x4.eq(a, b), one);
    case BIN_GATE: return v128.and(a, f32x4.gt(b, f32x4.splat(0)));
    case BIN_NE: default: return v128.and(f32x4.ne(a, b), one);
  }
}

/** Inner loop: out[i] = op(a[i*sa], b[i*sb]), i < n. */
@inline function binLoop(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (op != BIN_POW) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, binv(op, v128.load(a + <usize>i * 4), v128.load(b + <usize>i * 4)));
    } else if (sa == 1 && sb == 0) {
      const bv = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, binv(op, v128.load(a + <usize>i * 4), bv));
    } else if (sa == 0 && sb == 1) {
      const av = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, binv(op, av, v128.load(b + <usize>i * 4)));
    }
  }
  for (; i < n; i++) store<f32>(out + <usize>i * 4, bin(op, load<f32>(a + <usize>(i * sa) * 4), load<f32>(b + <usize>(i * sb) * 4)));
}

function binRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  switch (op) {
    case BIN_ADD: binLoop(BIN_ADD, a, sa, b, sb, out, n); break;
    case BIN_SUB: binLoop(BIN_SUB, a, sa, b, sb, out, n); break;
    case BIN_MUL: binLoop(BIN_MUL, a, sa, b, sb, out, n); break;
    case BIN_DIV: binLoop(BIN_DIV, a, sa, b, sb, out, n); break;
    case BIN_MAX: binLoop(BIN_MAX, a, sa, b, sb, out, n); break;
    case BIN_MIN: binLoop(BIN_MIN, a, sa, b, sb, out, n); break;
    case BIN_POW: binLoop(BIN_POW, a, sa, b, sb, out, n); break;
    case BIN_GT: binLoop(BIN_GT, a, sa, b, sb, out, n); break;
    case BIN_GE: binLoop(BIN_GE, a, sa, b, sb, out, n); break;
    case BIN_LT: binLoop(BIN_LT, a, sa, b, sb, out, n); break;
    case BIN_LE: binLoop(BIN_LE, a, sa, b, sb, out, n); break;
    case BIN_EQ: binLoop(BIN_EQ, a, sa, b, sb, out, n); break;
    case BIN_GATE: binLoop(BIN_GATE, a, sa, b, sb, out, n); break;
    case BIN_NE: default: binLoop(BIN_NE, a, sa, b, sb, out, n); break;
  }
}

/**
 * Broadcasting binary op. prm (i32): shape[rank], aStrides[rank], bStrides[rank], then rank ints of counter space.
 * rank >= 1.
 */
export function binary(op: i32, a: usize, b: usize, out: usize, rank: i32, prm: usize): void {
  const shp = prm, sA = prm + <usize>rank * 4, sB = prm + <usize>rank * 8, idx = prm + <usize>rank * 12;
  const inner = load<i32>(shp + <usize>(rank - 1) * 4);
  const ia = load<i32>(sA + <usize>(rank - 1) * 4), ib = load<i32>(sB + <usize>(rank - 1) * 4);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) { outer *= load<i32>(shp + <usize>d * 4); store<i32>(idx + <usize>d * 4, 0); }
  if (inner == 0) return;
  let offA = 0, offB = 0;
  for (let o = 0; o < outer; o++) {
    binRow(op, a + <usize>offA * 4, ia, b + <usize>offB * 4, ib, out + <usize>o * inner * 4, inner);
    for (let d = rank - 2; d >= 0; d--) {
      const q = idx + <usize>d * 4;
      const v = load<i32>(q) + 1;
      const sa = load<i32>(sA + <usize>d * 4), sb = load<i32>(sB + <usize>d * 4);
      if (v < load<i32>(shp + <usize>d * 4)) { store<i32>(q, v); offA += sa; offB += sb; break; }
      store<i32>(q, 0); offA -= (v - 1) * sa; offB -= (v - 1) * sb;
    }
  }
}

/** op(x, s) or op(s, x) with s in float64, rounded once (as the reference backend). */
export function binaryScalar(op: i32, x: usize, out: usize, n: i32, s: f64, scalarFirst: bool): void {
  const sf = <f32>s;
  if (<f64>sf == s && op != BIN_POW) {
    // s is exact in float32, so float32 + - * / round exactly like the float64 op, and max/min/comparisons agree
    const sv = f32x4.splat(sf);
    let i = 0;
    if (scalarFirst) {
      for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, binv(op, sv, v128.load(x + <usize>i * 4)));
      for (; i < n; i++) store<f32>(out + <usize>i * 4, bin(op, sf, load<f32>(x + <usize>i * 4)));
    } else {
      for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, binv(op, v128.load(x + <usize>i * 4), sv));
      for (; i < n; i++) store<f32>(out + <usize>i * 4, bin(op, load<f32>(x + <usize>i * 4), sf));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + <usize>i * 4);
    const a = scalarFirst ? s : v, b = scalarFirst ? v : s;
    let r: f64;
    switch (op) {
      case BIN_ADD: r = a + b; break;
      case BIN_SUB: r = a - b; break;
      case BIN_MUL: r = a * b; break;
      case BIN_DIV: r = a / b; break;
      case BIN_MAX: r = a >= b || a != a ? a : b; break;
      case BIN_MIN: r = a <= b || a != a ? a : b; break;
      case BIN_POW: r = Math.pow(a, b); break;
      case BIN_GT: r = a > b ? 1 : 0; break;
      case BIN_GE: r = a >= b ? 1 : 0; break;
      case BIN_LT: r = a < b ? 1 : 0; break;
      case BIN_LE: r = a <= b ? 1 : 0; break;
      case BIN_EQ: r = a == b ? 1 : 0; break;
      case BIN_GATE: r = b > 0 ? a : 0; break;
      case BIN_NE: default: r = a != b ? 1 : 0;
    }
    store<f32>(out + <usize>i * 4, <f32>r);
  }
}

/** out = cond != 0 ? a : b; prm (i32): shape, cStrides, aStrides, bStrides, counters (rank each). */
export function where(c: usize, a: usize, b: usize, out: usize, rank: i32, prm: usize): void {
  const shp = prm, sC = prm + <usize>rank * 4, sA = prm + <usize>rank * 8, sB = prm + <usize>rank * 12, idx = prm + <usize>rank * 16;
  let total = 1;
  for (let d = 0; d < rank; d++) { total *= load<i32>(shp + <usize>d * 4); store<i32>(idx + <usize>d * 4, 0); }
  let oc = 0, oa = 0, ob = 0;
  for (let f = 0; f < total; f++) {
    store<f32>(out + <usize>f * 4, load<f32>(c + <usize>oc * 4) != 0 ? load<f32>(a + <usize>oa * 4) : load<f32>(b + <usize>ob * 4));
    for (let d = rank - 1; d >= 0; d--) {
      const q = idx + <usize>d * 4;
      const v = load<i32>(q) + 1;
      const sc = load<i32>(sC + <usize>d * 4), sa = load<i32>(sA + <usize>d * 4), sb = load<i32>(sB + <usize>d * 4);
      if (v < load<i32>(shp + <usize>d * 4)) { store<i32>(q, v); oc += sc; oa += sa; ob += sb; break; }
      store<i32>(q, 0); oc -= (v - 1) * sc; oa -= (v - 1) * sa; ob -= (v - 1) * sb;
    }
  }
}

/** dst[i] += src[i] (combining per-thread partial results). */
export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, f32x4.add(v128.load(dst + <usize>i * 4), v128.load(src + <usize>i * 4)));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(dst + <usize>i * 4) + load<f32>(src + <usize>i * 4));
}
