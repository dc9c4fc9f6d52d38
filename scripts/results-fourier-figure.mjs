// One compact SVG of several Fourier sensitivity maps (fourier-map.json from
// `ifrlab analyse fourier-map`): one row per model, error-rate increase over clean and
// log10 mean logit change, each map a 32 x 32 PNG embedded as data so the figure stays
// a few KB (the per-model SVGs draw one <rect> per frequency, ~130 KB each).
// usage: node scripts/results-fourier-figure.mjs OUT.svg LABEL=DIR/fourier-map.json ...
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b) => {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/** RGB PNG of an H x W grid of [r, g, b] bytes. */
function png(rgb, H, W) {
  const raw = Buffer.alloc(H * (1 + 3 * W));
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) rgb[y * W + x].forEach((v, c) => (raw[y * (1 + 3 * W) + 1 + 3 * x + c] = v));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
// viridis, 5 stops
const stops = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
function color(t) {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  return stops[i].map((a, c) => Math.round(a + f * (stops[i + 1][c] - a)));
}
function mapImage(v, H, W, lo, hi) {
  return (
    'data:image/png;base64,' +
    png(
      Array.from(v, (x) => color((x - lo) / (hi - lo || 1))),
      H,
      W,
    ).toString('base64')
  );
}

const [out, ...specs] = process.argv.slice(2);
const rows = specs.map((s) => {
  const [label, file] = s.split('=');
  const d = JSON.parse(readFileSync(file, 'utf8'));
  const err = d.errorRate.map((e) => e - d.cleanError);
  const lg = d.logitChange.map((x) => Math.log10(Math.max(x, 1e-6)));
  return { label, d, err, lg };
});
// one colour scale per column across models, so rows compare
const eHi = Math.max(0.05, ...rows.map((r) => Math.max(...r.err)));
const lLo = Math.min(...rows.map((r) => Math.min(...r.lg)));
const lHi = Math.max(...rows.map((r) => Math.max(...r.lg)));
const S = 128,
  X0 = 150,
  GAP = 24,
  TOP = 44,
  RH = S + 18;
const W = X0 + 2 * (S + GAP) + 20,
  H = TOP + rows.length * RH + 30;
const t = (x, y, s, a = 'start', fs = 11) => `<text x="${x}" y="${y}" font-size="${fs}" text-anchor="${a}">${s}</text>`;
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  t(
    W / 2,
    16,
    `Fourier sensitivity maps, CIFAR-10, eps ${rows[0].d.eps} (L2 per channel), n = ${rows[0].d.n}`,
    'middle',
    13,
  ),
  t(X0 + S / 2, 36, `error - clean error (0 .. ${eHi.toFixed(2)})`, 'middle'),
  t(X0 + S + GAP + S / 2, 36, `log10 logit change (${lLo.toFixed(1)} .. ${lHi.toFixed(1)})`, 'middle'),
];
rows.forEach((r, i) => {
  const y = TOP + i * RH;
  parts.push(
    t(8, y + S / 2, r.label, 'start', 12),
    t(8, y + S / 2 + 14, `clean err ${(100 * r.d.cleanError).toFixed(0)}%`, 'start', 10),
  );
  const { H: h, W: w } = r.d;
  parts.push(
    `<image x="${X0}" y="${y}" width="${S}" height="${S}" style="image-rendering:pixelated" href="${mapImage(r.err, h, w, 0, eHi)}"/>`,
  );
  parts.push(
    `<image x="${X0 + S + GAP}" y="${y}" width="${S}" height="${S}" style="image-rendering:pixelated" href="${mapImage(r.lg, h, w, lLo, lHi)}"/>`,
  );
});
parts.push(
  t(
    X0,
    H - 10,
    'centre: frequency (0, 0); edges: the highest frequencies (ky, kx = -16 .. 15); colour: viridis, dark = low',
    'start',
    10,
  ),
  '</svg>',
);
writeFileSync(out, parts.join('\n') + '\n');
console.log(`${out}: ${rows.length} models, ${(parts.join('\n').length / 1024).toFixed(1)} KB`);
