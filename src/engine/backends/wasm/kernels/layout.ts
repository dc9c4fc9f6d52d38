// Layout: a strided gather into a contiguous output (transpose, slice).
// prm (i32): shape[rank], srcStrides[rank], counters[rank].

export function gather(x: usize, offset: i32, out: usize, rank: i32, prm: usize): void {
  const shp = prm, sS = prm + <usize>rank * 4, idx = prm + <usize>rank * 8;
  const inner = load<i32>(shp + <usize>(rank - 1) * 4), is = load<i32>(sS + <usize>(rank - 1) * 4);
  let outer = 1;
  for (let d = 0; d < rank - 1; d++) { outer *= load<i32>(shp + <usize>d * 4); store<i32>(idx + <usize>d * 4, 0); }
  if (inner == 0) return;
  let off = offset;
  let dst = out;
  for (let o = 0; o < outer; o++) {
    const src = x + <usize>off * 4;
    if (is == 1) memory.copy(dst, src, <usize>inner * 4);
    else for (let i = 0; i < inner; i++) store<f32>(dst + <usize>i * 4, load<f32>(src + <usize>(i * is) * 4));
    dst += <usize>inner * 4;
    for (let d = rank - 2; d >= 0; d--) {
      const q = idx + <usize>d * 4;
      const v = load<i32>(q) + 1;
      const s = load<i32>(sS + <usize>d * 4);
      if (v < load<i32>(shp + <usize>d * 4)) { store<i32>(q, v); off += s; break; }
      store<i32>(q, 0); off -= (v - 1) * s;
    }
  }
}
