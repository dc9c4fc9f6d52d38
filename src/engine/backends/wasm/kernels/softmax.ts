// Fused log-softmax over the last axis (float64 inside, as the reference) and the
// in-place SGD-with-momentum update (PyTorch semantics) used by every training step.

export function logSoftmax(x: usize, out: usize, outer: i32, n: i32): void {
  for (let o = 0; o < outer; o++) {
    const row = x + <usize>o * n * 4, orow = out + <usize>o * n * 4;
    let mx: f64 = -Infinity;
    for (let i = 0; i < n; i++) mx = Math.max(mx, <f64>load<f32>(row + <usize>i * 4));
    let s: f64 = 0;
    for (let i = 0; i < n; i++) s += Math.exp(<f64>load<f32>(row + <usize>i * 4) - mx);
    const lse = mx + Math.log(s);
    for (let i = 0; i < n; i++) store<f32>(orow + <usize>i * 4, <f32>(<f64>load<f32>(row + <usize>i * 4) - lse));
  }
}

/** g' = g + wd p; v = mom v + g'; p -= lr (nesterov ? g' + mom v : v). */
export function sgdStep(p: usize, g: usize, v: usize, n: i32, lr: f32, mom: f32, wd: f32, nesterov: bool): void {
  const lrv = f32x4.splat(lr), mv = f32x4.splat(mom), wv = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const pv = v128.load(p + o);
    const gi = f32x4.add(v128.load(g + o), f32x4.mul(wv, pv));
    const vv = f32x4.add(f32x4.mul(mv, v128.load(v + o)), gi);
    v128.store(v + o, vv);
    const step = nesterov ? f32x4.add(gi, f32x4.mul(mv, vv)) : vv;
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(lrv, step)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const pv = load<f32>(p + o);
    const gi = load<f32>(g + o) + wd * pv;
    const vv = mom * load<f32>(v + o) + gi;
    store<f32>(v + o, vv);
    store<f32>(p + o, pv - lr * (nesterov ? gi + mom * vv : vv));
  }
}
