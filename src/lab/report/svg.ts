// A small dependency-free SVG plotting module: line plots with labelled axes
// (units in the labels), heat maps with a colour bar, and a grid of panels.
// Output is a standalone SVG string.
import { viridis } from './colormap.ts';

/** One line of a line plot: label, x and y values, colour, dashed or not. */
export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; default from the palette. */
  color?: string;
  dashed?: boolean;
}

/** Title, axis labels, size, log y axis and markers of linePlot(). */
export interface LinePlotOptions {
  title?: string;
  xlabel: string;
  ylabel: string;
  width?: number;
  height?: number;
  logY?: boolean;
  /** Draw a marker at each point (default when a series has <= 30 points). */
  markers?: boolean;
}

/** The colours of successive series (matplotlib tab10). */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/** Escape text for SVG/XML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five "nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const span = hi - lo;
  const raw = span / Math.max(count - 1, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A short axis label: 3 significant digits, exponent notation from 1e4 up and below 1e-3. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/** Line plot of several series sharing axes. */
export function linePlot(series: Series[], opts: LinePlotOptions): string {
  const W = opts.width ?? 480,
    H = opts.height ?? 320;
  const m = { l: 64, r: 16, t: opts.title ? 30 : 12, b: 48 };
  const legend = series.filter((s) => s.label.trim() !== '');
  const maxLen = Math.max(0, ...legend.map((s) => s.label.length));
  const lcols = Math.max(1, Math.min(3, Math.floor((W - 80) / (maxLen * 6.2 + 30))));
  const legendH = series.length > 1 && legend.length ? 16 * Math.ceil(legend.length / lcols) : 0;
  const pw = W - m.l - m.r,
    ph = H - m.t - m.b - legendH;
  const ty = (v: number): number => (opts.logY ? Math.log10(Math.max(v, 1e-300)) : v);
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const yv = ty(s.y[i]);
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(yv)) continue;
      x0 = Math.min(x0, s.x[i]);
      x1 = Math.max(x1, s.x[i]);
      y0 = Math.min(y0, yv);
      y1 = Math.max(y1, yv);
    }
  }
  if (!Number.isFinite(x0)) {
    x0 = 0;
    x1 = 1;
    y0 = 0;
    y1 = 1;
  }
  if (x1 === x0) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (y1 === y0) {
    y0 -= Math.abs(y0) * 0.1 + 0.5;
    y1 += Math.abs(y1) * 0.1 + 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (v: number): number => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => m.t + ph - ((ty(v) - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(opts.title)}</text>`);
  // axes, ticks, grid
  for (const v of niceTicks(x0, x1)) {
    const X = sx(v).toFixed(1);
    out.push(`<line x1="${X}" y1="${m.t}" x2="${X}" y2="${m.t + ph}" stroke="#eee"/>`);
    out.push(`<text x="${X}" y="${m.t + ph + 14}" text-anchor="middle">${fmtNum(v)}</text>`);
  }
  for (const v of niceTicks(y0, y1)) {
    const Y = (m.t + ph - ((v - y0) / (y1 - y0)) * ph).toFixed(1);
    out.push(`<line x1="${m.l}" y1="${Y}" x2="${m.l + pw}" y2="${Y}" stroke="#eee"/>`);
    out.push(
      `<text x="${m.l - 4}" y="${Y}" text-anchor="end" dominant-baseline="middle">${opts.logY ? (Number.isInteger(v) ? `1e${v}` : fmtNum(10 ** v)) : fmtNum(v)}</text>`,
    );
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 32}" text-anchor="middle">${esc(opts.xlabel)}</text>`);
  out.push(
    `<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.ylabel)}${opts.logY ? ' (log scale)' : ''}</text>`,
  );
  series.forEach((s, k) => {
    const col = s.color ?? PALETTE[k % PALETTE.length];
    const pts: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(ty(s.y[i]))) continue;
      pts.push(`${sx(s.x[i]).toFixed(1)},${sy(s.y[i]).toFixed(1)}`);
    }
    out.push(
      `<polyline fill="none" stroke="${col}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/>`,
    );
    if (opts.markers ?? s.x.length <= 30)
      for (const p of pts) {
        const [a, b] = p.split(',');
        out.push(`<circle cx="${a}" cy="${b}" r="2.2" fill="${col}"/>`);
      }
    const li = legend.indexOf(s);
    if (legendH && li >= 0) {
      const lx = m.l + (li % lcols) * (pw / lcols),
        ly = H - legendH + 4 + 16 * Math.floor(li / lcols);
      out.push(
        `<line x1="${lx}" y1="${ly}" x2="${lx + 16}" y2="${ly}" stroke="${col}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
      out.push(`<text x="${lx + 20}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The viridis colour map (report/colormap.ts) as a hex colour, t in [0, 1]. */
export function colormap(t: number): string {
  // hex keeps heat maps small (one rect per cell)
  return `#${viridis(t)
    .map((v) => Math.round(v).toString(16).padStart(2, '0'))
    .join('')}`;
}

/** Title, colour-bar label, axis labels, cell size, colour range and tick origin of heatmap(). */
export interface HeatmapOptions {
  title?: string;
  /** Label of the colour bar, with units. */
  colorLabel: string;
  xlabel?: string;
  ylabel?: string;
  /** Pixel size of one cell (default fits 200 px). */
  cell?: number;
  /** Colour range (default min..max of the data). */
  range?: [number, number];
  /** Axis tick labels: value of the first column / row and step (e.g. centred frequencies). */
  xStart?: number;
  yStart?: number;
}

/** Heat map of a rows x cols matrix (row-major), row 0 at the top, with a colour bar. */
export function heatmap(values: ArrayLike<number>, rows: number, cols: number, opts: HeatmapOptions): string {
  if (values.length !== rows * cols) throw new Error(`heatmap: ${values.length} values for ${rows}x${cols}`);
  const cell = opts.cell ?? Math.max(1, Math.floor(200 / Math.max(rows, cols)));
  const m = { l: 44, t: opts.title ? 28 : 10, r: 104, b: 40 };
  const pw = cols * cell,
    ph = rows * cell;
  const W = m.l + pw + m.r,
    H = m.t + ph + m.b;
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < values.length; i++)
    if (Number.isFinite(values[i])) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
  if (opts.range) [lo, hi] = opts.range;
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const span = hi - lo || 1;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="10">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (opts.title)
    out.push(`<text x="${m.l + pw / 2}" y="16" text-anchor="middle" font-size="12">${esc(opts.title)}</text>`);
  out.push(`<g shape-rendering="crispEdges">`);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out.push(
        `<rect x="${m.l + c * cell}" y="${m.t + r * cell}" width="${cell}" height="${cell}" fill="${colormap((values[r * cols + c] - lo) / span)}"/>`,
      );
    }
  }
  out.push('</g>');
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  // axis ticks: first, middle, last
  const xs = opts.xStart ?? 0,
    ys = opts.yStart ?? 0;
  for (const c of [0, Math.floor(cols / 2), cols - 1])
    out.push(`<text x="${m.l + (c + 0.5) * cell}" y="${m.t + ph + 12}" text-anchor="middle">${xs + c}</text>`);
  for (const r of [0, Math.floor(rows / 2), rows - 1])
    out.push(
      `<text x="${m.l - 4}" y="${m.t + (r + 0.5) * cell}" text-anchor="end" dominant-baseline="middle">${ys + r}</text>`,
    );
  if (opts.xlabel)
    out.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 28}" text-anchor="middle">${esc(opts.xlabel)}</text>`);
  if (opts.ylabel)
    out.push(
      `<text transform="translate(12 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.ylabel)}</text>`,
    );
  // colour bar
  const bx = m.l + pw + 12,
    bw = 12,
    steps = 50;
  for (let i = 0; i < steps; i++)
    out.push(
      `<rect x="${bx}" y="${(m.t + ph - ((i + 1) / steps) * ph).toFixed(2)}" width="${bw}" height="${(ph / steps + 0.5).toFixed(2)}" fill="${colormap((i + 0.5) / steps)}"/>`,
    );
  out.push(`<rect x="${bx}" y="${m.t}" width="${bw}" height="${ph}" fill="none" stroke="#333"/>`);
  for (const v of [lo, (lo + hi) / 2, hi])
    out.push(
      `<text x="${bx + bw + 3}" y="${(m.t + ph - ((v - lo) / span) * ph).toFixed(1)}" dominant-baseline="middle">${fmtNum(v)}</text>`,
    );
  out.push(
    `<text transform="translate(${bx + bw + 46} ${m.t + ph / 2}) rotate(90)" text-anchor="middle">${esc(opts.colorLabel)}</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}

/** Place several SVGs in a grid (each keeps its own size). */
export function grid(svgs: string[], columns: number, title?: string): string {
  const sizes = svgs.map((s) => {
    const w = Number(/width="(\d+(?:\.\d+)?)"/.exec(s)?.[1] ?? 300),
      h = Number(/height="(\d+(?:\.\d+)?)"/.exec(s)?.[1] ?? 300);
    return { w, h };
  });
  const colW = Math.max(...sizes.map((s) => s.w), 1),
    rowH = Math.max(...sizes.map((s) => s.h), 1);
  const top = title ? 24 : 0;
  const rows = Math.ceil(svgs.length / columns);
  const W = colW * Math.min(columns, svgs.length),
    H = top + rowH * rows;
  const parts = svgs.map((s, i) => {
    const x = (i % columns) * colW,
      y = top + Math.floor(i / columns) * rowH;
    return s.replace('<svg ', `<svg x="${x}" y="${y}" `);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="${W}" height="${H}" fill="white"/>\n${title ? `<text x="${W / 2}" y="17" text-anchor="middle" font-size="14">${esc(title)}</text>\n` : ''}${parts.join('\n')}\n</svg>`;
}
