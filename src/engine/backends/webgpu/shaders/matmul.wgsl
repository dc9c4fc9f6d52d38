// Batched matmul out[b] = op(A[b]) @ op(B[b]) with 32x32 output tiles per
// 8x8 workgroup, 4x4 register blocking per invocation and 16-deep shared
// K tiles. The transpose case is a uniform flag (a branch every invocation
// takes the same way): one pipeline instead of four, which matters on software
// adapters, where compiling this kernel takes seconds.
// Split-K: when the output has few tiles but k is long (an FC forward with
// k = 32768 and a 16x10 output is one tile), workgroup z = split * nb + batch
// handles k in [split * kChunk, (split + 1) * kChunk) and writes its partial
// product to slot `split` of a [splits, batch, m, n] buffer; `sumSplits` adds them.

const TILE: u32 = 32u;
const KT: u32 = 16u;

struct Params { m: u32, k: u32, n: u32, strideA: u32, strideB: u32, batchOff: u32, nb: u32, kChunk: u32, splitStride: u32, transA: u32, transB: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;

var<workgroup> As: array<array<f32, 32>, 16>;
var<workgroup> Bs: array<array<f32, 32>, 16>;

fn loadA(off: u32, i: u32, q: u32, kEnd: u32) -> f32 {
  if (i >= P.m || q >= kEnd) { return 0.0; }
  if (P.transA != 0u) { return A[off + q * P.m + i]; }
  return A[off + i * P.k + q];
}
fn loadB(off: u32, q: u32, j: u32, kEnd: u32) -> f32 {
  if (q >= kEnd || j >= P.n) { return 0.0; }
  if (P.transB != 0u) { return B[off + j * P.k + q]; }
  return B[off + q * P.n + j];
}

fn store(offY: u32, r: u32, c0: u32, v: vec4<f32>) {
  if (r >= P.m) { return; }
  let o = offY + r * P.n + c0;
  if (c0 < P.n) { Y[o] = v.x; }
  if (c0 + 1u < P.n) { Y[o + 1u] = v.y; }
  if (c0 + 2u < P.n) { Y[o + 2u] = v.z; }
  if (c0 + 3u < P.n) { Y[o + 3u] = v.w; }
}

//// kernel: matmul
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let split = wid.z / P.nb;
  let b = wid.z % P.nb + P.batchOff;
  let kBegin = split * P.kChunk;
  let kEnd = min(P.k, kBegin + P.kChunk);
  let offA = b * P.strideA;
  let offB = b * P.strideB;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let tx = lid3.x;
  let ty = lid3.y;
  // 4x4 register block as four row vectors (no dynamically indexed private array)
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let nt = (kEnd - min(kBegin, kEnd) + KT - 1u) / KT;
  for (var t = 0u; t < nt; t++) {
    let q0 = kBegin + t * KT;
    for (var l = 0u; l < 8u; l++) {
      let e = lid + l * 64u;
      let kk = e / TILE;
      let r = e % TILE;
      As[kk][r] = loadA(offA, row0 + r, q0 + kk, kEnd);
      Bs[kk][r] = loadB(offB, q0 + kk, col0 + r, kEnd);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      let a = vec4<f32>(As[kk][ty * 4u], As[kk][ty * 4u + 1u], As[kk][ty * 4u + 2u], As[kk][ty * 4u + 3u]);
      let bv = vec4<f32>(Bs[kk][tx * 4u], Bs[kk][tx * 4u + 1u], Bs[kk][tx * 4u + 2u], Bs[kk][tx * 4u + 3u]);
      acc0 += a.x * bv;
      acc1 += a.y * bv;
      acc2 += a.z * bv;
      acc3 += a.w * bv;
    }
    workgroupBarrier();
  }
  let offY = split * P.splitStride + b * P.m * P.n;
  let r0 = row0 + ty * 4u;
  let c0 = col0 + tx * 4u;
  store(offY, r0, c0, acc0);
  store(offY, r0 + 1u, c0, acc1);
  store(offY, r0 + 2u, c0, acc2);
  store(offY, r0 + 3u, c0, acc3);
}
