// Row reductions and log-softmax: one 64-invocation workgroup per row of x
// viewed as [outer, n]; rows are spread over a 2-D grid of workgroups.
// {{INIT}} and {{COMBINE}} (a function of `a` and `b`) pick sum / max / min.

var<workgroup> red: array<f32, 64>;
// runtime (not constant-folded) bit patterns: WGSL rejects infinite constants
var<private> POS_INF: u32 = 0x7f800000u;
var<private> NEG_INF: u32 = 0xff800000u;

fn combine(a: f32, b: f32) -> f32 { return {{COMBINE}}; }

//// kernel: reduceLast
struct Params { outer: u32, n: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  let live = row < P.outer;
  var acc: f32 = {{INIT}};
  if (live) {
    let base = row * P.n;
    for (var i = lid; i < P.n; i += 64u) { acc = combine(acc, X[base + i]); }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = combine(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  if (live && lid == 0u) { Y[row] = red[0]; }
}

//// kernel: logSoftmax
struct Params { outer: u32, n: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  let live = row < P.outer;
  let base = row * P.n;
  var mx = bitcast<f32>(NEG_INF);
  if (live) { for (var i = lid; i < P.n; i += 64u) { mx = max(mx, X[base + i]); } }
  red[lid] = mx;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let m = red[0];
  workgroupBarrier();
  var acc = 0.0;
  if (live) { for (var i = lid; i < P.n; i += 64u) { acc += exp(X[base + i] - m); } }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let lse = m + log(red[0]);
  if (live) { for (var i = lid; i < P.n; i += 64u) { Y[base + i] = X[base + i] - lse; } }
}

//// kernel: reduceRows
// Short rows (n <= 32): one invocation per row instead of a workgroup.
struct Params { outer: u32, n: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (row >= P.outer) { return; }
  var acc: f32 = {{INIT}};
  for (var i = 0u; i < P.n; i++) { acc = combine(acc, X[row * P.n + i]); }
  Y[row] = acc;
}

//// kernel: logSoftmaxRows
struct Params { outer: u32, n: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (row >= P.outer) { return; }
  let base = row * P.n;
  var m = bitcast<f32>(NEG_INF);
  for (var i = 0u; i < P.n; i++) { m = max(m, X[base + i]); }
  var s = 0.0;
  for (var i = 0u; i < P.n; i++) { s += exp(X[base + i] - m); }
  let lse = m + log(s);
  for (var i = 0u; i < P.n; i++) { Y[base + i] = X[base + i] - lse; }
}

//// kernel: sumSplits
// Split-K matmul epilogue: Y[i] = sum_s X[s * size + i].
struct Params { size: u32, splits: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (i >= P.size) { return; }
  var acc = 0.0;
  for (var s = 0u; s < P.splits; s++) { acc += X[s * P.size + i]; }
  Y[i] = acc;
}
