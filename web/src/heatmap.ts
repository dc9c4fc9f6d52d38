// Canvas heat maps with a colour scale: spectra (viridis, value range shown
// on the bar), signed maps (blue-white-red, symmetric range) and RGB images.
import type { Img, Map2 } from './protocol.ts';
import { viridis } from '../../src/lab/report/colormap.ts';

export function diverging(t: number): [number, number, number] {
  // t in [-1, 1]: blue - white - red
  const s = Math.min(1, Math.max(-1, t));
  return s < 0
    ? [255 * (1 + s) + 40 * -s, 255 * (1 + s) + 90 * -s, 255]
    : [255, 255 * (1 - s) + 40 * s, 255 * (1 - s) + 40 * s];
}

type Colour = (t: number) => [number, number, number];

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(1) : v.toFixed(a < 1 ? 3 : 2);
}

function panel(
  title: string,
  id: string,
  axisNote: string,
): { root: HTMLElement; map: HTMLCanvasElement; bar: HTMLCanvasElement | null; hi: HTMLElement; lo: HTMLElement } {
  const root = document.createElement('div');
  root.className = 'heat';
  root.innerHTML = `<div class="title"></div><div class="row"><canvas class="map" role="img"></canvas><canvas class="bar" aria-hidden="true"></canvas><div class="scale"><span class="hi"></span><span class="lo"></span></div></div><div class="axis"></div>`;
  root.querySelector('.title')!.textContent = title;
  root.querySelector('.axis')!.textContent = axisNote;
  const map = root.querySelector('canvas.map') as HTMLCanvasElement;
  map.id = id;
  map.setAttribute('aria-label', `${title}. ${axisNote}`);
  return {
    root,
    map,
    bar: root.querySelector('canvas.bar'),
    hi: root.querySelector('.hi')!,
    lo: root.querySelector('.lo')!,
  };
}

function drawBar(bar: HTMLCanvasElement, colour: Colour, signed: boolean): void {
  bar.width = 1;
  bar.height = 128;
  const ctx = bar.getContext('2d')!;
  const im = ctx.createImageData(1, 128);
  for (let i = 0; i < 128; i++) {
    const t = 1 - i / 127;
    const [r, g, b] = colour(signed ? 2 * t - 1 : t);
    im.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(im, 0, 0);
}

/** A scalar map (e.g. a centred log-magnitude spectrum) with a viridis colour bar. */
export function scalarMap(title: string, id: string, m: Map2, axisNote: string, range?: [number, number]): HTMLElement {
  const p = panel(title, id, axisNote);
  let lo = Infinity,
    hi = -Infinity;
  for (const v of m.data)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (range) [lo, hi] = range;
  if (!(hi > lo)) hi = lo + 1;
  p.map.width = m.w;
  p.map.height = m.h;
  const ctx = p.map.getContext('2d')!;
  const im = ctx.createImageData(m.w, m.h);
  for (let i = 0; i < m.h * m.w; i++) im.data.set([...viridis((m.data[i] - lo) / (hi - lo)), 255], i * 4);
  ctx.putImageData(im, 0, 0);
  drawBar(p.bar!, viridis, false);
  p.hi.textContent = fmtNum(hi);
  p.lo.textContent = fmtNum(lo);
  return p.root;
}

/** An image: RGB (or grey) in [0,1] as is, or a signed map (channel mean) on a symmetric blue-white-red scale. */
export function imageMap(title: string, id: string, im: Img, signed: boolean, axisNote: string): HTMLElement {
  const p = panel(title, id, axisNote);
  const { c, h, w, data } = im;
  p.map.width = w;
  p.map.height = h;
  const ctx = p.map.getContext('2d')!;
  const out = ctx.createImageData(w, h);
  if (signed) {
    const mean = new Float64Array(h * w);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) mean[i] += data[ch * h * w + i] / c;
    let amax = 0;
    for (const v of mean) amax = Math.max(amax, Math.abs(v));
    if (amax === 0) amax = 1;
    for (let i = 0; i < h * w; i++) out.data.set([...diverging(mean[i] / amax), 255], i * 4);
    drawBar(p.bar!, diverging, true);
    p.hi.textContent = `+${fmtNum(amax)}`;
    p.lo.textContent = `−${fmtNum(amax)}`;
  } else {
    for (let i = 0; i < h * w; i++) {
      const px = c === 3 ? [data[i], data[h * w + i], data[2 * h * w + i]] : [data[i], data[i], data[i]];
      out.data.set([...px.map((v) => Math.round(255 * Math.min(1, Math.max(0, v)))), 255], i * 4);
    }
    drawBar(p.bar!, (t) => [255 * t, 255 * t, 255 * t], false);
    p.hi.textContent = '1';
    p.lo.textContent = '0';
  }
  ctx.putImageData(out, 0, 0);
  return p.root;
}

/** How many pixels of a canvas differ from its most common colour (a 'non-blank' check for tests). */
export function nonBlankPixels(c: HTMLCanvasElement): number {
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  const counts = new Map<number, number>();
  for (let i = 0; i < d.length; i += 4) {
    const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const top = Math.max(...counts.values());
  return d.length / 4 - top;
}
