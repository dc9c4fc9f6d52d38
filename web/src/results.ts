// Results view: open a JSON written by `ifrlab experiment` and draw what it
// holds. The reader is generic on purpose (every experiment module writes its
// own shape): scalars become a summary table, arrays of records become
// tables, numeric arrays become line charts (sibling arrays of equal length
// share a chart, with an 'x'/'k'/'step'/'epoch'/'eps' array as the x axis),
// and rectangular 2-D numeric arrays become heat maps. A `figures` or
// `units` object, when present, labels the axes.
import { LineChart } from './charts.ts';
import { scalarMap } from './heatmap.ts';

const X_KEYS = ['x', 'k', 'kr', 'k_r', 'step', 'steps', 'epoch', 'epochs', 'eps', 'epsilon', 'deg', 'angle', 't'];
const COLORS = ['#2457c5', '#c53b24', '#2a9d4b', '#8a3fc5', '#c58a24', '#249dc5', '#555'];
const isNumArr = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'number' || x === null);
const isMatrix = (v: unknown): v is number[][] =>
  Array.isArray(v) && v.length >= 2 && v.every((r) => isNumArr(r) && r.length === (v[0] as number[]).length);
const isRecordArr = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) && v.length >= 1 && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r));
const isPrim = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function cell(v: unknown): string {
  if (typeof v === 'number')
    return Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(3) : v.toFixed(4);
  if (isPrim(v)) return String(v);
  return JSON.stringify(v).slice(0, 80);
}
function table(rows: Record<string, unknown>[], caption: string): HTMLElement {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const t = document.createElement('table');
  t.innerHTML = `<caption>${caption}</caption><thead><tr>${cols.map(() => `<th scope="col" class="s"></th>`).join('')}</tr></thead><tbody></tbody>`;
  t.querySelectorAll('th').forEach((th, i) => (th.textContent = cols[i]));
  const tb = t.querySelector('tbody')!;
  for (const r of rows.slice(0, 500)) {
    const tr = document.createElement('tr');
    for (const c of cols) {
      const td = document.createElement('td');
      td.textContent = cell(r[c]);
      if (typeof r[c] !== 'number') td.className = 's';
      tr.appendChild(td);
    }
    tb.appendChild(tr);
  }
  return t;
}

/**
 * `figures` maps a figure file name (as listed in result.json's `figures`) to
 * a URL the page can show (an object URL of a picked SVG, or a URL next to a
 * served result.json).
 */
export function renderResults(
  host: HTMLElement,
  json: unknown,
  fileName: string,
  figures: Map<string, string> = new Map(),
): { charts: number; tables: number; maps: number; figures: number } {
  host.textContent = '';
  const counts = { charts: 0, tables: 0, maps: 0, figures: 0 };
  // an `ifrlab experiment` result file: header, its own figures, then the payload
  const rf = json as {
    experiment?: string;
    title?: string;
    reproduces?: string;
    scale?: string;
    backend?: string;
    seconds?: number;
    figures?: { file: string; caption: string }[];
    result?: unknown;
    config?: unknown;
  };
  if (rf && typeof rf === 'object' && rf.experiment && Array.isArray(rf.figures)) {
    const h = document.createElement('h2');
    h.textContent = `${rf.experiment}: ${rf.title ?? ''}`;
    const p = document.createElement('p');
    p.className = 'info';
    p.textContent = `reproduces ${rf.reproduces ?? '?'}; scale ${rf.scale ?? '?'}; backend ${rf.backend ?? '?'}; ${rf.seconds !== undefined ? `${Math.round(rf.seconds)} s` : ''}`;
    host.append(h, p);
    const missing: string[] = [];
    for (const f of rf.figures) {
      const url = figures.get(f.file) ?? figures.get(f.file.split('/').pop()!);
      if (!url) {
        missing.push(f.file);
        continue;
      }
      const fig = document.createElement('figure');
      const im = document.createElement('img');
      im.src = url;
      im.alt = f.caption;
      im.className = 'result-figure';
      const cap = document.createElement('figcaption');
      cap.textContent = `${f.file}: ${f.caption}`;
      fig.append(im, cap);
      host.appendChild(fig);
      counts.figures++;
    }
    if (missing.length) {
      const m = document.createElement('p');
      m.className = 'info';
      m.textContent = `Figures not loaded (pick them together with result.json): ${missing.join(', ')}`;
      host.appendChild(m);
    }
    const payload = document.createElement('h3');
    payload.textContent = 'Result data';
    host.appendChild(payload);
  }
  const units = (json as { units?: Record<string, string> })?.units ?? {};
  const unit = (k: string): string => (units[k] ? `${k} (${units[k]})` : k);
  const summary: Record<string, unknown>[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 5 || v === null || typeof v !== 'object') return;
    if (isRecordArr(v) && v.every((r) => Object.values(r).every((x) => isPrim(x) || isNumArr(x)))) {
      const flat = v.map((r) => Object.fromEntries(Object.entries(r).filter(([, x]) => isPrim(x))));
      if (Object.keys(flat[0] ?? {}).length) {
        host.appendChild(table(flat, path || fileName));
        counts.tables++;
      }
      return;
    }
    if (Array.isArray(v)) {
      v.slice(0, 50).forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
      return;
    }
    const obj = v as Record<string, unknown>;
    const arrays = Object.entries(obj).filter(([, x]) => isNumArr(x)) as [string, number[]][];
    const byLen = new Map<number, [string, number[]][]>();
    for (const a of arrays) byLen.set(a[1].length, [...(byLen.get(a[1].length) ?? []), a]);
    for (const [len, group] of byLen) {
      const xEntry = group.find(([k]) => X_KEYS.includes(k));
      const ys = group.filter((g) => g !== xEntry);
      if (!ys.length) continue;
      const fig = document.createElement('figure');
      const div = document.createElement('div');
      fig.appendChild(div);
      const cap = document.createElement('figcaption');
      cap.textContent = `${path || fileName}: ${ys.map(([k]) => k).join(', ')}`;
      fig.appendChild(cap);
      host.appendChild(fig);
      const xs = xEntry ? xEntry[1] : Array.from({ length: len }, (_, i) => i);
      const ch = new LineChart(div, {
        title: path || fileName,
        x: xEntry ? unit(xEntry[0]) : 'index',
        y: ys.length === 1 ? unit(ys[0][0]) : 'value',
        series: ys.map(([k], i) => ({ label: k, color: COLORS[i % COLORS.length], points: len < 40 })),
      });
      ch.set(
        xs,
        ys.map(([, y]) => y),
      );
      counts.charts++;
    }
    for (const [k, x] of Object.entries(obj)) {
      const p = path ? `${path}.${k}` : k;
      if (isPrim(x)) {
        if (depth <= 1) summary.push({ field: p, value: x });
      } else if (isMatrix(x)) {
        const h = x.length,
          w = x[0].length,
          d = new Float64Array(h * w);
        x.forEach((r, i) => r.forEach((val, j) => (d[i * w + j] = val ?? NaN)));
        host.appendChild(
          scalarMap(p, `result-map-${counts.maps}`, { h, w, data: d, label: p }, `${h} × ${w}; rows top to bottom`),
        );
        counts.maps++;
      } else if (!isNumArr(x)) walk(x, p, depth + 1);
    }
  };
  walk(json, '', 0);
  if (summary.length) {
    const t = table(summary, `${fileName}: summary`);
    const first = host.querySelector('h3');
    if (first) first.after(t);
    else host.prepend(t);
    counts.tables++;
  }
  if (!counts.charts && !counts.tables && !counts.maps && !counts.figures) {
    const pre = document.createElement('pre');
    pre.className = 'meta';
    pre.textContent = JSON.stringify(json, null, 2).slice(0, 20000);
    host.appendChild(pre);
  }
  return counts;
}
