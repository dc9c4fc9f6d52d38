// One compact SVG of the implicit-bias alignment curves: for fc, full-width conv and
// bounded-width conv, the cosine of the learned beta to the l2 (solid) and Fourier-l1
// (dashed) limits along training, one line per seed (the experiment's own
// alignment-*.svg average over seeds, which hides how bwc differs between problems).
// usage: node scripts/implicit-bias-alignment-figure.mjs RUN_DIR OUT.svg  (needs `npm run build`)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot } from '../dist/src/lab/report/svg.js';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: implicit-bias-alignment-figure.mjs RUN_DIR OUT.svg');
const parts = join(dir, 'parts');
const runs = (family) =>
  readdirSync(parts)
    .filter((f) => new RegExp(`^run-${family}-seed\\d+\\.json$`).test(f))
    .map((f) => JSON.parse(readFileSync(join(parts, f), 'utf8')))
    .sort((a, b) => a.seed - b.seed);

const panels = [
  ['fc', 'FC (theory: l2)'],
  ['conv', 'full-width conv (theory: Fourier-l1)'],
  ['bwc', 'bounded-width conv, k = 3 (no theorem)'],
];
const limits = [
  ['l2', 'to l2 limit', '#1f77b4', false],
  ['fourier', 'to Fourier-l1 limit', '#d62728', true],
];
const W = 330,
  H = 260;
const lg = (s) => Math.log10(Math.max(s, 1));
const svgs = panels.map(([family, title], i) => {
  const rs = runs(family);
  if (!rs.length) throw new Error(`no runs of ${family} in ${parts}`);
  const series = limits.flatMap(([lim, label, color, dashed]) =>
    rs.map((r, j) => ({
      label: j === 0 ? label : '',
      x: r.checkpoints.map((c) => lg(c.step)),
      y: r.checkpoints.map((c) => c.cos[lim]),
      color,
      dashed,
    })),
  );
  const s = linePlot(series, {
    title,
    xlabel: 'log10 GD step',
    ylabel: `cosine (${rs.length} seeds)`,
    width: W,
    height: H,
    markers: false,
  });
  // nest each panel in the outer figure at its own x offset
  return s.replace(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/, `<svg x="${i * W}"`);
});
const fig = `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H}" viewBox="0 0 ${W * panels.length} ${H}">\n${svgs.join('\n')}\n</svg>\n`;
writeFileSync(out, fig);
console.log(`${out}: ${fig.length} bytes`);
