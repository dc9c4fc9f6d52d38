// Reductions over the last axis of x viewed as [outer, n]. Sums accumulate in
// float64 (f64x2 lanes) to match the reference backend's float64 accumulation.
// Op codes RED_*, generated from src/engine/backends/wasm/opcodes.ts.
import { RED_SUM, RED_MAX } from './opcodes.generated';

export function reduceLast(op: i32, x: usize, out: usize, outer: i32, n: i32): void {
  for (let o = 0; o < outer; o++) {
    const row = x + <usize>o * n * 4;
    if (op == RED_SUM) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const v = v128.load(row + <usize>i * 4);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      }
      const s2 = f64x2.add(a0, a1);
      let acc = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
      for (; i < n; i++) acc += <f64>load<f32>(row + <usize>i * 4);
      store<f32>(out + <usize>o * 4, <f32>acc);
    } else if (op == RED_MAX) {
      let acc: f32 = -Infinity;
      for (let i = 0; i < n; i++) { const v = load<f32>(row + <usize>i * 4); if (v > acc || v != v) acc = v; }
      store<f32>(out + <usize>o * 4, acc);
    } else {
      let acc: f32 = Infinity;
      for (let i = 0; i < n; i++) { const v = load<f32>(row + <usize>i * 4); if (v < acc || v != v) acc = v; }
      store<f32>(out + <usize>o * 4, acc);
    }
  }
}
