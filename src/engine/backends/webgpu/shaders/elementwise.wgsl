// Elementwise kernels: unary, broadcasting binary, scalar binary, where, fill, SGD.
// Every kernel runs one invocation per output element on a 2-D grid of
// 64-wide workgroups (the host splits grids over 65535 workgroups per axis).
// {{EXPR}} / {{OP}} are replaced by the host (one pipeline per op).


// runtime (not constant-folded) bit patterns: WGSL rejects inf/NaN constants
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;

fn powf(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (b == 0.5) { return sqrt(a); }
  if (a == 0.0) { return select(bitcast<f32>(INF_BITS), 0.0, b > 0.0); }
  if (a < 0.0) {
    if (b != floor(b)) { return bitcast<f32>(NAN_BITS); }
    let r = exp2(b * log2(-a));
    return select(r, -r, (b * 0.5) != floor(b * 0.5));
  }
  return exp2(b * log2(a));
}

// sin/cos to ~1 ulp on |x| < 1e5: Cody-Waite reduction by pi/2 (3-part constant)
// and minimax polynomials on [-pi/4, pi/4]. Built-in sin/cos may be as coarse as
// 2^-11 absolute (the WGSL spec bound; SwiftShader is near it).
fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
fn quadrant(x: f32) -> vec2<f32> {
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.8375129699707031e-4) - k * 7.5497899548918821e-8;
  return vec2<f32>(r, k);
}
fn sinAcc(x: f32) -> f32 {
  if (abs(x) > 1e5) { return sin(x); }
  let q = quadrant(x);
  let k = i32(q.y) & 3;
  if (k == 0) { return sinPoly(q.x); }
  if (k == 1) { return cosPoly(q.x); }
  if (k == 2) { return -sinPoly(q.x); }
  return -cosPoly(q.x);
}
fn cosAcc(x: f32) -> f32 {
  if (abs(x) > 1e5) { return cos(x); }
  let q = quadrant(x);
  let k = i32(q.y) & 3;
  if (k == 0) { return cosPoly(q.x); }
  if (k == 1) { return -sinPoly(q.x); }
  if (k == 2) { return -cosPoly(q.x); }
  return sinPoly(q.x);
}

fn binop(a: f32, b: f32) -> f32 { return {{OP}}; }

//// kernel: unary
struct Params { size: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  let x = X[i];
  Y[i] = {{EXPR}};
}

//// kernel: binary
// a and b are read with strides (0 on broadcast axes) over outShape (rank <= 8).
struct Params { shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>, rank: u32, size: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let s = P.shape[d >> 2u][d & 3];
    let idx = rem % s;
    rem = rem / s;
    ia += idx * P.sa[d >> 2u][d & 3];
    ib += idx * P.sb[d >> 2u][d & 3];
  }
  Y[i] = binop(A[ia], B[ib]);
}

//// kernel: binaryScalar
struct Params { size: u32, s: f32, scalarFirst: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  let x = X[i];
  if (P.scalarFirst != 0u) { Y[i] = binop(P.s, x); } else { Y[i] = binop(x, P.s); }
}

//// kernel: where
struct Params { shape: array<vec4<u32>, 2>, sc: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>, rank: u32, size: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> C: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  var rem = i;
  var ic = 0u;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let s = P.shape[d >> 2u][d & 3];
    let idx = rem % s;
    rem = rem / s;
    ic += idx * P.sc[d >> 2u][d & 3];
    ia += idx * P.sa[d >> 2u][d & 3];
    ib += idx * P.sb[d >> 2u][d & 3];
  }
  Y[i] = select(B[ib], A[ia], C[ic] != 0.0);
}

//// kernel: fill
struct Params { size: u32, v: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  Y[i] = P.v;
}

//// kernel: sgd
// In place SGD with momentum (PyTorch semantics).
struct Params { size: u32, lr: f32, momentum: f32, wd: f32, nesterov: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> W: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  let g = G[i] + P.wd * W[i];
  let v = P.momentum * V[i] + g;
  V[i] = v;
  W[i] = W[i] - P.lr * select(v, g + P.momentum * v, P.nesterov != 0u);
}
