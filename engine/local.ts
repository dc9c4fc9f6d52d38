// Locally connected layers (unshared weights w[O, C, Ho, Wo, kh*kw]) and their
// gradients: im2col per image, then a per-pixel dot product. A thread handles
// images [n0, n1) (forward, input gradient) or output channels [o0, o1) (filter gradient).
import { im2col, col2im } from './conv';

/** Locally connected: out[n,o,ij] = sum_{c,t} w[o,c,ij,t] col[c,t,ij]. */
export function local2dFwd(x: usize, w: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, K = kh * kw;
  const col = (scratch + 15) & ~<usize>15;
  for (let n = n0; n < n1; n++) {
    im2col(x + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
    const on = out + <usize>(n * O * P) * 4;
    for (let o = 0; o < O; o++) {
      for (let ij = 0; ij < P; ij++) {
        let acc: f32 = 0;
        for (let c = 0; c < C; c++) {
          const wp = w + <usize>(((o * C + c) * P + ij) * K) * 4;
          const cp = col + <usize>(c * K * P + ij) * 4;
          for (let t = 0; t < K; t++) acc += load<f32>(wp + <usize>t * 4) * load<f32>(cp + <usize>(t * P) * 4);
        }
        store<f32>(on + <usize>(o * P + ij) * 4, acc);
      }
    }
  }
}

export function local2dGradInput(g: usize, w: usize, dx: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, n0: i32, n1: i32, scratch: usize): void {
  const P = Ho * Wo, K = kh * kw;
  const col = (scratch + 15) & ~<usize>15;
  for (let n = n0; n < n1; n++) {
    memory.fill(col, 0, <usize>(C * K * P) * 4);
    const gn = g + <usize>(n * O * P) * 4;
    for (let o = 0; o < O; o++) {
      for (let c = 0; c < C; c++) {
        for (let ij = 0; ij < P; ij++) {
          const gv = load<f32>(gn + <usize>(o * P + ij) * 4);
          const wp = w + <usize>(((o * C + c) * P + ij) * K) * 4;
          const cp = col + <usize>(c * K * P + ij) * 4;
          for (let t = 0; t < K; t++) {
            const q = cp + <usize>(t * P) * 4;
            store<f32>(q, load<f32>(q) + gv * load<f32>(wp + <usize>t * 4));
          }
        }
      }
    }
    const d = dx + <usize>(n * C * H * W) * 4;
    memory.fill(d, 0, <usize>(C * H * W) * 4);
    col2im(col, d, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
  }
}

/** dw[o,c,ij,t] for o in [o0,o1), summed over all N images. */
export function local2dGradFilter(x: usize, g: usize, dw: usize, N: i32, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, stride: i32,
  pt: i32, pl: i32, circ: bool, Ho: i32, Wo: i32, o0: i32, o1: i32, scratch: usize): void {
  const P = Ho * Wo, K = kh * kw;
  const col = (scratch + 15) & ~<usize>15;
  if (o1 <= o0) return;
  memory.fill(dw + <usize>(o0 * C * P * K) * 4, 0, <usize>((o1 - o0) * C * P * K) * 4);
  for (let n = 0; n < N; n++) {
    im2col(x + <usize>(n * C * H * W) * 4, col, C, H, W, kh, kw, stride, pt, pl, circ, Ho, Wo);
    const gn = g + <usize>(n * O * P) * 4;
    for (let o = o0; o < o1; o++) {
      for (let c = 0; c < C; c++) {
        for (let ij = 0; ij < P; ij++) {
          const gv = load<f32>(gn + <usize>(o * P + ij) * 4);
          const wp = dw + <usize>(((o * C + c) * P + ij) * K) * 4;
          const cp = col + <usize>(c * K * P + ij) * 4;
          for (let t = 0; t < K; t++) {
            const q = wp + <usize>t * 4;
            store<f32>(q, load<f32>(q) + gv * load<f32>(cp + <usize>(t * P) * 4));
          }
        }
      }
    }
  }
}
