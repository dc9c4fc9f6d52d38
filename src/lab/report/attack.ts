// The report of one `ifrlab attack` run: figures (examples, their perturbations,
// the perturbations' spectrum, the success-vs-norm curve and, for a list of
// budgets, the robust-accuracy curve) and a Markdown page that `ifrlab report`
// can collect.
import { averageSpectrum, radialEnergy } from '../analysis/fourier.ts';
import { grid, heatmap, linePlot } from './svg.ts';
import { encodePng } from './png.ts';
import { mdTable } from './markdown.ts';
import { quantile } from '../analysis/stats.ts';

/** One point of a success-vs-budget curve: budget, robust accuracy, success rate, per-attack robust accuracy. */
export interface AttackCurvePoint {
  eps: number;
  robustAccuracy: number;
  successRate?: number;
  /** The ensemble: robust accuracy after each attack. */
  after?: { attack: string; robustAccuracy: number }[];
}

/** Everything attackReport() needs: the attack, model, data, checkpoint, backend, summary, perturbations and curve. */
export interface AttackReportInput {
  attack: string;
  norm: 'linf' | 'l2' | 'l1';
  spec: string;
  data: string;
  checkpoint: string;
  backend: string;
  seconds: number;
  /** [N, C, H, W] */
  shape: number[];
  x: Float32Array;
  perturbation: Float32Array;
  labels: ArrayLike<number>;
  advPred: ArrayLike<number>;
  cleanCorrect: ArrayLike<number>;
  success: ArrayLike<number>;
  /** Each example's perturbation norm in `norm`. */
  norms: ArrayLike<number>;
  stats: { cleanAccuracy: number; successRate: number; robustAccuracy: number };
  curve?: AttackCurvePoint[];
  checks?: { name: string; pass: boolean; detail: string }[];
  randomControl?: { successRate: number; robustAccuracy: number };
}

export interface Figure {
  file: string;
  bytes: Uint8Array | string;
  caption: string;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Up to `k` examples (successful ones first): rows x, x_adv, delta (each delta scaled to its own max |delta|). */
export async function examplesPng(
  r: AttackReportInput,
  k = 8,
  zoom = 4,
): Promise<{ png: Uint8Array; picked: number[] }> {
  const [n, c, h, w] = r.shape,
    d = c * h * w;
  const order = [...Array(n).keys()].sort((p, q) => (r.success[q] ? 1 : 0) - (r.success[p] ? 1 : 0) || p - q);
  const picked = order.slice(0, Math.min(k, n));
  const gap = 2,
    cw = w * zoom,
    ch = h * zoom;
  const W = picked.length * (cw + gap) + gap,
    H = 3 * (ch + gap) + gap;
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const put = (col: number, row: number, value: (ch: number, j: number) => number): void => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const px = [0, 1, 2].map((q) => Math.round(255 * clamp01(value(c === 3 ? q : 0, y * w + x))));
        for (let dy = 0; dy < zoom; dy++)
          for (let dx = 0; dx < zoom; dx++) {
            const X = gap + col * (cw + gap) + x * zoom + dx,
              Y = gap + row * (ch + gap) + y * zoom + dy;
            rgb.set(px, (Y * W + X) * 3);
          }
      }
  };
  picked.forEach((i, col) => {
    const o = i * d;
    let m = 0;
    for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(r.perturbation[o + j]));
    put(col, 0, (q, j) => r.x[o + q * h * w + j]);
    put(col, 1, (q, j) => r.x[o + q * h * w + j] + r.perturbation[o + q * h * w + j]);
    put(col, 2, (q, j) => 0.5 + (m > 0 ? r.perturbation[o + q * h * w + j] / (2 * m) : 0));
  });
  return { png: await encodePng(rgb, W, H), picked };
}

/** Average log-magnitude spectra of delta and x (grey, centred; each panel its own colour scale) and their radial energy. */
export function spectrumSvg(r: AttackReportInput, idx: number[]): string {
  const [, c, h, w] = r.shape,
    d = c * h * w;
  const pick = (src: Float32Array): Float32Array => {
    const out = new Float32Array(idx.length * d);
    idx.forEach((i, q) => out.set(src.subarray(i * d, (i + 1) * d), q * d));
    return out;
  };
  const shape = [idx.length, c, h, w];
  const dl = { data: pick(r.perturbation), shape },
    xs = { data: pick(r.x), shape };
  const logD = averageSpectrum(dl, { scale: 'log' }).data,
    logX = averageSpectrum(xs, { scale: 'log' }).data;
  const radial = (s: { data: Float32Array; shape: number[] }): Float64Array => {
    const e = radialEnergy(averageSpectrum(s, { scale: 'power' }).data, h, w).energy;
    const t = e.reduce((p, v) => p + v, 0) || 1;
    return e.map((v) => v / t);
  };
  const rd = radial(dl),
    rx = radial(xs);
  const ks = Array.from(rd, (_, k) => k);
  const start = -Math.floor(h / 2);
  return grid(
    [
      heatmap(logD, h, w, {
        title: 'perturbation delta',
        colorLabel: 'ln |DFT| (own scale)',
        xlabel: 'kx (cycles/image)',
        ylabel: 'ky',
        xStart: -Math.floor(w / 2),
        yStart: start,
      }),
      heatmap(logX, h, w, {
        title: 'clean images x',
        colorLabel: 'ln |DFT| (own scale)',
        xlabel: 'kx (cycles/image)',
        ylabel: 'ky',
        xStart: -Math.floor(w / 2),
        yStart: start,
      }),
      linePlot(
        [
          { label: 'delta', x: ks, y: rd },
          { label: 'x', x: ks, y: rx },
        ],
        {
          title: 'radial energy (share of total)',
          xlabel: 'radius |k| (cycles/image)',
          ylabel: 'share of energy',
          logY: true,
          width: 360,
          height: 260,
        },
      ),
    ],
    3,
    `average spectra over ${idx.length} successful examples (unitary DFT of the grey image)`,
  );
}

/** Fraction of the correctly classified examples fooled with a perturbation of norm <= t, against t. */
export function successCurve(r: AttackReportInput): { t: number[]; frac: number[] } {
  const n = r.shape[0];
  let correct = 0;
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    if (r.cleanCorrect[i]) correct++;
    if (r.success[i]) v.push(r.norms[i]);
  }
  v.sort((p, q) => p - q);
  const t = [0],
    frac = [0];
  v.forEach((x, k) => {
    t.push(x, x);
    frac.push(k / Math.max(correct, 1), (k + 1) / Math.max(correct, 1));
  });
  return { t, frac };
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** The figures and report.md of an attack run. */
export async function attackReport(r: AttackReportInput): Promise<{ figures: Figure[]; markdown: string }> {
  const figures: Figure[] = [];
  const images = r.shape.length === 4;
  let successful: number[] = [];
  if (images) {
    const { png } = await examplesPng(r);
    figures.push({
      file: 'examples.png',
      bytes: png,
      caption:
        'rows: clean x, adversarial x + delta, delta (grey = 0, each scaled to its own largest |delta|); successful examples first',
    });
    successful = [...Array(r.shape[0]).keys()].filter((i) => r.success[i]);
    if (successful.length)
      figures.push({
        file: 'perturbation-spectrum.svg',
        bytes: spectrumSvg(r, successful),
        caption: 'average spectra of the perturbations and of the clean images, and their radial energy on a log axis',
      });
  }
  const sc = successCurve(r);
  figures.push({
    file: 'success-vs-norm.svg',
    bytes: linePlot([{ label: r.attack, x: sc.t, y: sc.frac }], {
      title: 'success against perturbation norm',
      xlabel: `${r.norm} norm of delta`,
      ylabel: 'fooled / correctly classified',
      markers: false,
    }),
    caption: `share of the correctly classified images fooled with a perturbation of ${r.norm} norm at most t`,
  });
  if (r.curve && r.curve.length > 1) {
    const eps = r.curve.map((p) => p.eps);
    const series = [{ label: 'worst case', x: eps, y: r.curve.map((p) => p.robustAccuracy) }];
    const stages = r.curve[0].after?.map((a) => a.attack) ?? [];
    stages
      .slice(0, -1)
      .forEach((s, k) =>
        series.push({ label: `after ${s}`, x: eps, y: r.curve!.map((p) => p.after![k].robustAccuracy) }),
      );
    figures.push({
      file: 'robust-accuracy.svg',
      bytes: linePlot(series, {
        title: 'robust accuracy against eps',
        xlabel: `eps (${r.norm})`,
        ylabel: 'robust accuracy',
      }),
      caption: 'robust accuracy at each budget',
    });
  }
  const md: string[] = [`# Attack ${r.attack} on ${r.spec}`, ''];
  md.push(
    `Checkpoint \`${r.checkpoint}\`, data \`${r.data}\`, ${r.shape[0]} images, backend ${r.backend}, ${r.seconds.toFixed(1)} s.`,
    '',
  );
  md.push(
    mdTable(
      ['clean accuracy', 'success rate (of correct)', 'robust accuracy', `median ${r.norm} of successes`],
      [
        [
          pct(r.stats.cleanAccuracy),
          pct(r.stats.successRate),
          pct(r.stats.robustAccuracy),
          median(successCurveValues(r)),
        ],
      ],
      4,
    ),
  );
  if (r.curve && r.curve.length) {
    const stages = r.curve[0].after?.map((a) => a.attack) ?? [];
    const sr = r.curve.every((p) => p.successRate !== undefined);
    md.push(
      '',
      '## Robust accuracy per budget',
      '',
      mdTable(
        [
          'eps',
          ...stages.map((s) => `after ${s}`),
          ...(sr ? ['success rate (of correct)'] : []),
          stages.length ? 'worst case' : 'robust accuracy',
        ],
        r.curve.map((p) => [
          p.eps.toPrecision(4),
          ...(p.after ?? []).map((a) => pct(a.robustAccuracy)),
          ...(sr ? [pct(p.successRate!)] : []),
          pct(p.robustAccuracy),
        ]),
        4,
      ),
    );
  }
  if (r.checks?.length) {
    md.push(
      '',
      '## Gradient-masking sanity checks',
      '',
      mdTable(
        ['check', 'result', 'detail'],
        r.checks.map((c) => [c.name, c.pass ? 'PASS' : '**FAIL**', c.detail]),
      ),
    );
  }
  if (r.randomControl)
    md.push(
      '',
      `Random-direction control (Gaussian directions with each perturbation's norm): success rate ${pct(r.randomControl.successRate)}, robust accuracy ${pct(r.randomControl.robustAccuracy)}.`,
    );
  md.push('');
  for (const f of figures) md.push(`![${f.caption}](${f.file})`, '', `*${f.file}*: ${f.caption}.`, '');
  return { figures, markdown: md.join('\n') };
}

function successCurveValues(r: AttackReportInput): number[] {
  return [...Array(r.shape[0]).keys()].filter((i) => r.success[i]).map((i) => r.norms[i]);
}

function median(v: number[]): string {
  return v.length ? quantile(v, 0.5).toPrecision(4) : '-';
}
