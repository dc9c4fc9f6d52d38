// Batched complex FFTs on interleaved data (vec2 = re, im) along an axis of
// length n with stride `stride` (in complex elements) inside blocks of n*stride:
// element k of line (o, s) sits at o*n*stride + s + k*stride. Twiddles
// TW[t] = (cos, sin)(2*pi*t/n) are computed in float64 on the host and
// uploaded as f32, so no angle is ever formed in f32 on the GPU.
//  - stockham: one radix-2 Stockham autosort pass (power-of-two n; log2 n
//    passes ping-pong between two buffers; the last applies `scale`).
//  - stockhamLocal: the whole power-of-two transform (n <= 128) of one line per
//    workgroup (min(n/2, 128) invocations) in workgroup memory: one
//    dispatch instead of log2 n.
//  - dft: direct O(n^2) transform for other n (exact twiddle index j*k mod n).
//  - chirp / pointMul / chirpOut: Bluestein's algorithm for large non-power-of-two n.
//  - toComplex, realPart, specProduct: the circular-convolution pipeline.

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

//// kernel: stockham
struct Params { count: u32, n: u32, stride: u32, ns: u32, sign: f32, scale: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> TW: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  let half = P.n / 2u;
  let j = e % half;
  let line = e / half;
  let s = line % P.stride;
  let o = line / P.stride;
  let base = o * P.n * P.stride + s;
  let jm = j % P.ns;
  let tw = TW[jm * (P.n / (2u * P.ns))];
  let w = vec2<f32>(tw.x, P.sign * tw.y);
  let v0 = X[base + j * P.stride];
  let v1 = cmul(X[base + (j + half) * P.stride], w);
  let d = (j / P.ns) * P.ns * 2u + jm;
  Y[base + d * P.stride] = (v0 + v1) * P.scale;
  Y[base + (d + P.ns) * P.stride] = (v0 - v1) * P.scale;
}

//// kernel: stockhamLocal
struct Params { lines: u32, n: u32, stride: u32, logn: u32, sign: f32, scale: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> TW: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec2<f32>>;
const WG: u32 = {{WG}}u;
const HALF: u32 = {{HALFBUF}}u;
var<workgroup> buf: array<vec2<f32>, {{BUF}}>; // two halves: ping and pong
@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let line = wid.y * nwg.x + wid.x;
  let live = line < P.lines;
  let s = line % P.stride;
  let o = line / P.stride;
  let base = o * P.n * P.stride + s;
  let half = P.n / 2u;
  if (live) { for (var i = lid; i < P.n; i += WG) { buf[i] = X[base + i * P.stride]; } }
  workgroupBarrier();
  var src = 0u;
  var ns = 1u;
  for (var stage = 0u; stage < P.logn; stage++) {
    let dst = HALF - src;
    for (var j = lid; j < half; j += WG) {
      let jm = j % ns;
      let tw = TW[jm * (P.n / (2u * ns))];
      let v0 = buf[src + j];
      let v1 = cmul(buf[src + j + half], vec2<f32>(tw.x, P.sign * tw.y));
      let d = (j / ns) * ns * 2u + jm;
      buf[dst + d] = v0 + v1;
      buf[dst + d + ns] = v0 - v1;
    }
    workgroupBarrier();
    src = dst;
    ns *= 2u;
  }
  if (live) { for (var i = lid; i < P.n; i += WG) { Y[base + i * P.stride] = buf[src + i] * P.scale; } }
}

//// kernel: dft
struct Params { count: u32, n: u32, stride: u32, pad0: u32, sign: f32, scale: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> TW: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  let k = e % P.n;
  let line = e / P.n;
  let s = line % P.stride;
  let o = line / P.stride;
  let base = o * P.n * P.stride + s;
  var acc = vec2<f32>(0.0, 0.0);
  var t = 0u;
  for (var j = 0u; j < P.n; j++) {
    let tw = TW[t];
    acc += cmul(X[base + j * P.stride], vec2<f32>(tw.x, P.sign * tw.y));
    t += k;
    if (t >= P.n) { t -= P.n; }
  }
  Y[base + k * P.stride] = acc * P.scale;
}

//// kernel: chirp
// Bluestein step 1: A[line, k] = x[line, k] * chirp[k] for k < n, 0 for n <= k < m (contiguous [lines, m]).
struct Params { count: u32, n: u32, stride: u32, m: u32, sign: f32, scale: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> CH: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  let k = e % P.m;
  let line = e / P.m;
  if (k >= P.n) { Y[e] = vec2<f32>(0.0, 0.0); return; }
  let s = line % P.stride;
  let o = line / P.stride;
  let c = CH[k];
  Y[e] = cmul(X[o * P.n * P.stride + s + k * P.stride], vec2<f32>(c.x, P.sign * c.y));
}

//// kernel: pointMul
// Y[line, k] = X[line, k] * T[k] (T: the spectrum of the conjugate chirp, precomputed in float64).
struct Params { count: u32, m: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> T: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  Y[e] = cmul(X[e], T[e % P.m]);
}

//// kernel: chirpOut
// Bluestein last step: y[line, k] = scale * A[line, k] * chirp[k], written back to the strided layout.
struct Params { count: u32, n: u32, stride: u32, m: u32, sign: f32, scale: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> CH: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  let k = e % P.n;
  let line = e / P.n;
  let s = line % P.stride;
  let o = line / P.stride;
  let c = CH[k];
  Y[o * P.n * P.stride + s + k * P.stride] = cmul(X[line * P.m + k], vec2<f32>(c.x, P.sign * c.y)) * P.scale;
}

//// kernel: toComplex
struct Params { count: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  Y[e] = vec2<f32>(X[e], 0.0);
}

//// kernel: realPart
struct Params { count: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  Y[e] = X[e].x;
}

//// kernel: specProduct
// Z[a, b, f] = sum_s cp(Pm[a*pA + s*pS, f]) * cq(Q[b*qB + s*qS, f]), cp/cq = optional conjugation.
struct Params { count: u32, nB: u32, nS: u32, HW: u32, pA: u32, pS: u32, qB: u32, qS: u32, conjP: f32, conjQ: f32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> Pm: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> Q: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> Z: array<vec2<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.count) { return; }
  let f = e % P.HW;
  let b = (e / P.HW) % P.nB;
  let a = e / (P.HW * P.nB);
  var acc = vec2<f32>(0.0, 0.0);
  for (var s = 0u; s < P.nS; s++) {
    let p = Pm[(a * P.pA + s * P.pS) * P.HW + f];
    let q = Q[(b * P.qB + s * P.qS) * P.HW + f];
    acc += cmul(vec2<f32>(p.x, P.conjP * p.y), vec2<f32>(q.x, P.conjQ * q.y));
  }
  Z[e] = acc;
}
