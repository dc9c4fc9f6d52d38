// Bounded-width 2-D convolution (cross-correlation, NCHW, weights [O,C,kh,kw])
// and the locally connected layer (weights [O,C,Ho,Wo,kh*kw]), forward and
// both gradients, for zero or circular padding and any stride.
// Tap (i,j,u,v) reads input row y = i*stride + u - padTop (wrapped mod H when
// circular, skipped when outside and zero-padded), likewise for columns.
// Gradients w.r.t. the input are gathers (one invocation per input cell, no
// atomics): for input row y and tap row u the output rows are the i with
// i*stride = y + padTop - u + t*H, t = 0 for zero padding, t over the few
// wraps that fit for circular padding.
// The two layers differ only in where a tap's weight lives: the forward and
// input-gradient bodies are shared, and each kernel defines wIndex.

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, kh: u32, kw: u32, stride: u32,
  pt: u32, pl: u32, circ: u32, Ho: u32,
  Wo: u32, size: u32, pad0: u32, pad1: u32,
}
@group(0) @binding(0) var<uniform> P: Params;


// input offset inside one H*W plane of tap (i,u) x (j,v), or -1 when zero padded
fn tap(i: u32, j: u32, u: u32, v: u32) -> i32 {
  var y = i32(i * P.stride + u) - i32(P.pt);
  var x = i32(j * P.stride + v) - i32(P.pl);
  let H = i32(P.H);
  let W = i32(P.W);
  if (P.circ != 0u) {
    y = ((y % H) + H) % H;
    x = ((x % W) + W) % W;
  } else if (y < 0 || y >= H || x < 0 || x >= W) {
    return -1;
  }
  return y * W + x;
}

fn floorDiv(a: i32, b: i32) -> i32 {
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}

// range [lo, hi] of wraps t such that 0 <= base + t*len <= last
fn wrapRange(base: i32, len: i32, last: i32) -> vec2<i32> {
  if (P.circ == 0u) { return vec2<i32>(0, 0); }
  return vec2<i32>(-floorDiv(base, len), floorDiv(last - base, len));
}

//// body: convWeights
// shared weights W[O, C, kh, kw]
fn wIndex(o: u32, c: u32, i: u32, j: u32, u: u32, v: u32) -> u32 { return ((o * P.C + c) * P.kh + u) * P.kw + v; }

//// body: localWeights
// one filter per output position: W[O, C, Ho, Wo, kh*kw]
fn wIndex(o: u32, c: u32, i: u32, j: u32, u: u32, v: u32) -> u32 { return (((o * P.C + c) * P.Ho + i) * P.Wo + j) * P.kh * P.kw + u * P.kw + v; }

//// body: forward
// Y[n,o,i,j] = sum over taps (u,v) and channels c of W[wIndex(o,c,i,j,u,v)] * X[n,c,tap]
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.size) { return; }
  let j = e % P.Wo;
  let i = (e / P.Wo) % P.Ho;
  let o = (e / (P.Wo * P.Ho)) % P.O;
  let n = e / (P.Wo * P.Ho * P.O);
  let HW = P.H * P.W;
  var acc = 0.0;
  let xb = n * P.C * HW;
  for (var u = 0u; u < P.kh; u++) {
    for (var v = 0u; v < P.kw; v++) {
      let t = tap(i, j, u, v);
      if (t < 0) { continue; }
      var xi = xb + u32(t);
      for (var c = 0u; c < P.C; c++) {
        acc += Wt[wIndex(o, c, i, j, u, v)] * X[xi];
        xi += HW;
      }
    }
  }
  Y[e] = acc;
}

//// body: gradInput
// DX[n,c,y,x] = sum over the outputs (i,j) and taps (u,v) that read input cell (y,x)
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.size) { return; }
  let x = i32(e % P.W);
  let y = i32((e / P.W) % P.H);
  let c = (e / (P.W * P.H)) % P.C;
  let n = e / (P.W * P.H * P.C);
  let s = i32(P.stride);
  let lastI = (i32(P.Ho) - 1) * s;
  let lastJ = (i32(P.Wo) - 1) * s;
  var acc = 0.0;
  for (var u = 0u; u < P.kh; u++) {
    let by = y + i32(P.pt) - i32(u);
    let ry = wrapRange(by, i32(P.H), lastI);
    for (var ty = ry.x; ty <= ry.y; ty++) {
      let iy = by + ty * i32(P.H);
      if (iy < 0 || iy > lastI || iy % s != 0) { continue; }
      let i = u32(iy / s);
      for (var v = 0u; v < P.kw; v++) {
        let bx = x + i32(P.pl) - i32(v);
        let rx = wrapRange(bx, i32(P.W), lastJ);
        for (var tx = rx.x; tx <= rx.y; tx++) {
          let jx = bx + tx * i32(P.W);
          if (jx < 0 || jx > lastJ || jx % s != 0) { continue; }
          let j = u32(jx / s);
          for (var o = 0u; o < P.O; o++) {
            acc += G[((n * P.O + o) * P.Ho + i) * P.Wo + j] * Wt[wIndex(o, c, i, j, u, v)];
          }
        }
      }
    }
  }
  DX[e] = acc;
}

//// kernel: conv2d
//// insert: convWeights
//// insert: forward

//// kernel: conv2dGradInput
//// insert: convWeights
//// insert: gradInput

//// kernel: conv2dGradFilter
// One workgroup per weight element; its 64 invocations split the N*Ho*Wo sum.
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> DW: array<f32>;
var<workgroup> red: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = wid.y * nwg.x + wid.x;
  let live = e < P.size;
  var acc = 0.0;
  if (live) {
    let v = e % P.kw;
    let u = (e / P.kw) % P.kh;
    let c = (e / (P.kw * P.kh)) % P.C;
    let o = e / (P.kw * P.kh * P.C);
    let HoWo = P.Ho * P.Wo;
    let HW = P.H * P.W;
    // invocation lid takes output positions lid, lid + 64, ...; the tap is fixed per position
    for (var ij = lid; ij < HoWo; ij += 64u) {
      let t = tap(ij / P.Wo, ij % P.Wo, u, v);
      if (t < 0) { continue; }
      var gi = o * HoWo + ij;
      var xi = c * HW + u32(t);
      for (var n = 0u; n < P.N; n++) {
        acc += G[gi] * X[xi];
        gi += P.O * HoWo;
        xi += P.C * HW;
      }
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (live && lid == 0u) { DW[e] = red[0]; }
}

//// kernel: local2d
//// insert: localWeights
//// insert: forward

//// kernel: local2dGradInput
//// insert: localWeights
//// insert: gradInput

//// kernel: local2dGradFilter
// One invocation per weight element w[o,c,i,j,u,v]: a sum over the batch.
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> DW: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = lin(wid, nwg, lid);
  if (e >= P.size) { return; }
  let K = P.kh * P.kw;
  let uv = e % K;
  let u = uv / P.kw;
  let v = uv % P.kw;
  let j = (e / K) % P.Wo;
  let i = (e / (K * P.Wo)) % P.Ho;
  let c = (e / (K * P.Wo * P.Ho)) % P.C;
  let o = e / (K * P.Wo * P.Ho * P.C);
  let t = tap(i, j, u, v);
  var acc = 0.0;
  if (t >= 0) {
    let HW = P.H * P.W;
    for (var n = 0u; n < P.N; n++) {
      acc += G[((n * P.O + o) * P.Ho + i) * P.Wo + j] * X[(n * P.C + c) * HW + u32(t)];
    }
  }
  DW[e] = acc;
}
