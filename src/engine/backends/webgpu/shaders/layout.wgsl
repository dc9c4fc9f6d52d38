// Layout kernels: strided gather (transpose, slice), pad (zero / circular),
// and the copy of one concat input into its slot of the output.


//// kernel: gather
// out[idx] = X[base + sum_d idx[d] * st[d]] over the output shape (rank <= 8).
struct Params { shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2>, rank: u32, size: u32, base: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  var rem = i;
  var src = P.base;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let s = P.shape[d >> 2u][d & 3];
    src += (rem % s) * P.st[d >> 2u][d & 3];
    rem = rem / s;
  }
  Y[i] = X[src];
}

//// kernel: pad
struct Params { oshape: array<vec4<u32>, 2>, ishape: array<vec4<u32>, 2>, before: array<vec4<u32>, 2>, ist: array<vec4<u32>, 2>, rank: u32, size: u32, circular: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  var rem = i;
  var src = 0u;
  var inside = true;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let os = P.oshape[d >> 2u][d & 3];
    let n = i32(P.ishape[d >> 2u][d & 3]);
    var k = i32(rem % os) - i32(P.before[d >> 2u][d & 3]);
    rem = rem / os;
    if (k < 0 || k >= n) {
      if (P.circular == 0u || n == 0) { inside = false; } else { k = ((k % n) + n) % n; }
    }
    src += u32(max(k, 0)) * P.ist[d >> 2u][d & 3];
  }
  Y[i] = select(0.0, X[src], inside);
}

//// kernel: concatCopy
// out[o * total + off + j] = X[o * w + j]
struct Params { size: u32, w: u32, total: u32, off: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = lin(wid, nwg, lid);
  if (i >= P.size) { return; }
  let o = i / P.w;
  Y[o * P.total + P.off + (i - o * P.w)] = X[i];
}
