// Elementwise kernels: unary ops, broadcasting binary ops (strided inputs over an
// output shape), scalar ops, where. Fast f32x4 paths for contiguous and
// broadcast-scalar inner loops; transcendental functions go through float64 Math
// so results round exactly like the reference backend.
// Op codes (must match src/backends/wasm/index.ts):
//   unary:  neg 0, exp 1, log 2, sqrt 3, abs 4, sign 5, relu 6, step 7, square 8, reciprocal 9, sin 10, cos 11
//   binary: add 0, sub 1, mul 2, div 3, max 4, min 5, pow 6, gt 7, ge 8, lt 9, le 10, eq 11, ne 12

@inline function un(op: i32, x: f32): f32 {
  switch (op) {
    case 0: return -x;
    case 1: return <f32>Math.exp(<f64>x);
    case 2: return <f32>Math.log(<f64>x);
    case 3: return <f32>Math.sqrt(<f64>x);
    case 4: return Mathf.abs(x);
    case 5: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 6: return x > 0 ? x : 0;
    case 7: return x > 0 ? 1 : 0;
    case 8: return x * x;
    case 9: return <f32>(1.0 / <f64>x);
    case 10: return <f32>Math.sin(<f64>x);
    default: return <f32>Math.cos(<f64>x);
  }
}

@inline function unv(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case 0: return f32x4.neg(x);
    case 3: return f32x4.sqrt(x);
    case 4: return f32x4.abs(x);
    case 5: return f32x4.sub(v128.and(f32x4.gt(x, zero), f32x4.splat(1)), v128.and(f32x4.lt(x, zero), f32x4.splat(1)));
    case 6: return v128.bitselect(x, zero, f32x4.gt(x, zero));
    case 7: return v128.and(f32x4.gt(x, zero), f32x4.splat(1));
    case 8: return f32x4.mul(x, x);
    default: return f32x4.div(f32x4.splat(1), x); // 9
  }
}

@inline function unLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  if (op == 0 || op == 3 || op == 4 || op == 5 || op == 6 || op == 7 || op == 8 || op == 9) {
    for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, unv(op, v128.load(x + <usize>i * 4)));
  }
  for (; i < n; i++) store<f32>(out + <usize>i * 4, un(op, load<f32>(x + <usize>i * 4)));
}

export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case 0: unLoop(0, x, out, n); break;
    case 1: unLoop(1, x, out, n); break;
    case 2: unLoop(2, x, out, n); break;
    case 3: unLoop(3, x, out, n); break;
    case 4: unLoop(4, x, out, n); break;
    case 5: unLoop(5, x, out, n); break;
    case 6: unLoop(6, x, out, n); break;
    case 7: unLoop(7, x, out, n); break;
    case 8: unLoop(8, x, out, n); break;
    case 9: unLoop(9, x, out, n); break;
    case 10: unLoop(10, x, out, n); break;
    default: unLoop(11, x, out, n); break;
  }
}

@inline function bin(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return a >= b || a != a ? a : b;
    case 5: return a <= b || a != a ? a : b;
    case 6: return <f32>Math.pow(<f64>a, <f64>b);
    case 7: return a > b ? 1 : 0;
    case 8: return a >= b ? 1 : 0;
    case 9: return a < b ? 1 : 0;
    case 10: return a <= b ? 1 : 0;
    case 11: return a == b ? 1 : 0;
    default: return a != b ? 1 : 0;
  }
}

@inline function binv(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    case 4: return v128.bitselect(a, b, v128.or(f32x4.ge(a, b), f32x4.ne(a, a)));
    case 5: return v128.bitselect(a, b, v128.or(f32x4.le(a, b), f32x4.ne(a, a)));
    case 7: return v128.and(f32x4.gt(a, b), one);
    case 8: return v128.and(f32x4.ge(a, b), one);
    case 9: return v128.and(f32x4.lt(a, b), one);
    case 10: return v128.and(f32x4.le(a, b), one);
    case 11: return v128.and(f32x4.eq(a, b), one);
    default: return v128.and(f32x4.ne(a, b), one);
  }
}

/** Inner loop: out[i] = op(a[i*sa], b[i*sb]), i < n. */
@inline function binLoop(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (op != 6) {
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
    case 0: binLoop(0, a, sa, b, sb, out, n); break;
    case 1: binLoop(1, a, sa, b, sb, out, n); break;
    case 2: binLoop(2, a, sa, b, sb, out, n); break;
    case 3: binLoop(3, a, sa, b, sb, out, n); break;
    case 4: binLoop(4, a, sa, b, sb, out, n); break;
    case 5: binLoop(5, a, sa, b, sb, out, n); break;
    case 6: binLoop(6, a, sa, b, sb, out, n); break;
    case 7: binLoop(7, a, sa, b, sb, out, n); break;
    case 8: binLoop(8, a, sa, b, sb, out, n); break;
    case 9: binLoop(9, a, sa, b, sb, out, n); break;
    case 10: binLoop(10, a, sa, b, sb, out, n); break;
    case 11: binLoop(11, a, sa, b, sb, out, n); break;
    default: binLoop(12, a, sa, b, sb, out, n); break;
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
  if (<f64>sf == s && op != 6) {
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
      case 0: r = a + b; break;
      case 1: r = a - b; break;
      case 2: r = a * b; break;
      case 3: r = a / b; break;
      case 4: r = a >= b || a != a ? a : b; break;
      case 5: r = a <= b || a != a ? a : b; break;
      case 6: r = Math.pow(a, b); break;
      case 7: r = a > b ? 1 : 0; break;
      case 8: r = a >= b ? 1 : 0; break;
      case 9: r = a < b ? 1 : 0; break;
      case 10: r = a <= b ? 1 : 0; break;
      case 11: r = a == b ? 1 : 0; break;
      default: r = a != b ? 1 : 0;
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
