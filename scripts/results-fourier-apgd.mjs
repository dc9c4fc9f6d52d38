// Tables for docs/results-fourier-apgd.md from the run folders of
// `ifrlab analyse fourier-map` and `ifrlab attack` (see that doc for the commands):
// robust accuracy per eps with 95% bootstrap intervals over images, the radial
// profile of each Fourier map, and the high-frequency share of the attacks'
// perturbations (the paper's spectra), so the two can be set side by side.
// usage: node scripts/results-fourier-apgd.mjs RUNS_DIR MODEL...
//   reads RUNS_DIR/fmap-MODEL/fourier-map.json, RUNS_DIR/att-MODEL-{apgd-ce-linf,pgd-linf}/
import { existsSync, readFileSync } from 'node:fs';
import { bootstrapMean } from '../dist/src/lab/index.js';

const [dir, ...models] = process.argv.slice(2);
const pct = (x) => (100 * x).toFixed(0);
const iv = (k, n) => {
  // robust accuracy is a mean of per-image 0/1 outcomes; the bootstrap needs only the count
  const r = bootstrapMean(
    Array.from({ length: n }, (_, i) => (i < k ? 1 : 0)),
    { seed: 0 },
  );
  return `${pct(r.estimate)} [${pct(r.lo)}, ${pct(r.hi)}]`;
};

function readSafetensors(file) {
  const b = readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  const head = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [k, v] of Object.entries(head)) {
    if (k === '__metadata__') continue;
    const [s, e] = v.data_offsets;
    const bytes = b.subarray(8 + n + s, 8 + n + e);
    out[k] = {
      shape: v.shape,
      data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    };
  }
  return out;
}

/** Share of DFT energy at radius sqrt(ky^2 + kx^2) > r0 (centred frequencies), summed over channels and the given images. */
function highShare(t, keep, r0 = 8) {
  const [N, C, H, W] = t.shape;
  const f = (k, n) => (k <= n / 2 ? k : k - n); // signed frequency of DFT index k
  let hi = 0,
    all = 0;
  const re = new Float64Array(H * W),
    im = new Float64Array(H * W);
  for (let i = 0; i < N; i++) {
    if (!keep(i)) continue;
    for (let c = 0; c < C; c++) {
      const x = t.data.subarray((i * C + c) * H * W, (i * C + c + 1) * H * W);
      // rows, then columns (separable DFT)
      for (let h = 0; h < H; h++)
        for (let k = 0; k < W; k++) {
          let a = 0,
            b = 0;
          for (let w = 0; w < W; w++) {
            const p = (-2 * Math.PI * k * w) / W;
            a += x[h * W + w] * Math.cos(p);
            b += x[h * W + w] * Math.sin(p);
          }
          re[h * W + k] = a;
          im[h * W + k] = b;
        }
      for (let k2 = 0; k2 < W; k2++)
        for (let k1 = 0; k1 < H; k1++) {
          let a = 0,
            b = 0;
          for (let h = 0; h < H; h++) {
            const p = (-2 * Math.PI * k1 * h) / H,
              cs = Math.cos(p),
              sn = Math.sin(p);
            a += re[h * W + k2] * cs - im[h * W + k2] * sn;
            b += re[h * W + k2] * sn + im[h * W + k2] * cs;
          }
          const e = a * a + b * b;
          all += e;
          if (Math.hypot(f(k1, H), f(k2, W)) > r0) hi += e;
        }
    }
  }
  return all > 0 ? hi / all : NaN;
}

console.log('\n### Robust accuracy (%), 95% bootstrap interval over images\n');
console.log('| model | clean | attack | 1/255 | 2/255 | 4/255 | 8/255 |');
console.log('|---|---|---|---|---|---|---|');
const spectra = {};
for (const m of models) {
  for (const a of ['apgd-ce-linf', 'pgd-linf']) {
    const f = `${dir}/att-${m}-${a}/summary.json`;
    if (!existsSync(f)) continue;
    const s = JSON.parse(readFileSync(f, 'utf8'));
    const cells = s.curve.map((c) => iv(Math.round(c.robustAccuracy * s.n), s.n));
    console.log(`| ${m} | ${a === 'pgd-linf' ? '' : iv(s.correct, s.n)} | ${a} | ${cells.join(' | ')} |`);
    const p = readSafetensors(`${dir}/att-${m}-${a}/perturbations.safetensors`);
    const succ = p.success.data;
    spectra[`${m}/${a}`] = {
      all: highShare(p.perturbation, () => true),
      succ: highShare(p.perturbation, (i) => succ[i] > 0.5),
      nSucc: succ.filter((v) => v > 0.5).length,
    };
  }
}

console.log('\n### Fourier maps (radial profile) and perturbation spectra\n');
console.log(
  '| model | clean err % | map: mean err % | map: max err % (at k) | map: logit change r<=4 / r>8 | map: ratio low / high | APGD-CE 8/255 delta energy at r>8 | PGD 8/255 delta energy at r>8 |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const m of models) {
  const f = `${dir}/fmap-${m}/fourier-map.json`;
  if (!existsSync(f)) continue;
  const d = JSON.parse(readFileSync(f, 'utf8'));
  const { H, W } = d;
  let lo = 0,
    nlo = 0,
    hi = 0,
    nhi = 0,
    best = -1,
    at = '';
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const ky = r - Math.floor(H / 2),
        kx = c - Math.floor(W / 2),
        rad = Math.hypot(ky, kx);
      const L = d.logitChange[r * W + c],
        e = d.errorRate[r * W + c];
      if (rad === 0) continue; // (0, 0) is a constant shift per channel, not a frequency
      if (rad <= 4) {
        lo += L;
        nlo++;
      }
      if (rad > 8) {
        hi += L;
        nhi++;
      }
      if (e > best) {
        best = e;
        at = `(${ky}, ${kx})`;
      }
    }
  const mean = d.errorRate.reduce((s, v) => s + v, 0) / d.errorRate.length;
  const sa = spectra[`${m}/apgd-ce-linf`],
    sp = spectra[`${m}/pgd-linf`];
  const fmt = (s) => (s ? s.all.toFixed(3) : 'n/a');
  console.log(
    `| ${m} | ${pct(d.cleanError)} | ${(100 * mean).toFixed(1)} | ${pct(best)} ${at} | ${(lo / nlo).toFixed(3)} / ${(hi / nhi).toFixed(3)} | ${(lo / nlo / (hi / nhi)).toFixed(2)} | ${fmt(sa)} | ${fmt(sp)} |`,
  );
}
