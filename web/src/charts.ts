// uPlot line charts with labelled axes (units in the labels).
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  points?: boolean;
}

export class LineChart {
  readonly plot: uPlot;
  private readonly data: (number | null)[][];
  constructor(
    el: HTMLElement,
    opts: {
      title: string;
      x: string;
      y: string;
      series: SeriesSpec[];
      logY?: boolean;
      width?: number;
      height?: number;
      bars?: boolean;
    },
  ) {
    this.data = [[], ...opts.series.map(() => [])];
    const width = Math.max(260, Math.min(opts.width ?? 520, window.innerWidth - 64));
    this.plot = new uPlot(
      {
        title: opts.title,
        width,
        height: opts.height ?? 260,
        scales: { x: { time: false }, y: opts.logY ? { distr: 3 } : {} },
        // histogram bins of small values (e.g. roughness ~1e-4) need significant digits, not fixed decimals
        axes: [
          {
            label: opts.x,
            labelSize: 20,
            ...(opts.bars
              ? {
                  values: (_u: uPlot, vals: (number | null)[]) =>
                    vals.map((v) => (v == null ? '' : String(Number(v.toPrecision(2))))),
                }
              : {}),
          },
          {
            label: opts.y,
            labelSize: 30,
            size: 64,
            ...(opts.logY
              ? {
                  values: (_u: uPlot, vals: (number | null)[]) =>
                    vals.map((v) => (v == null ? '' : v.toExponential(0))),
                }
              : {}),
          },
        ],
        series: [
          { label: opts.x },
          ...opts.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            dash: s.dash,
            width: 1.5,
            spanGaps: true,
            points: { show: s.points ?? false },
            ...(opts.bars ? { paths: uPlot.paths.bars!({ size: [0.8, 40] }), fill: s.color + '88' } : {}),
          })),
        ],
      },
      this.data as uPlot.AlignedData,
      el,
    );
  }
  /** Append one x and one value per series (null = no point). */
  push(x: number, ys: (number | null | undefined)[]): void {
    this.data[0].push(x);
    ys.forEach((y, i) => this.data[i + 1].push(y ?? null));
    this.plot.setData(this.data as uPlot.AlignedData);
  }
  set(xs: number[], ys: (number | null)[][]): void {
    this.data.length = 0;
    this.data.push(xs, ...ys);
    this.plot.setData(this.data as uPlot.AlignedData);
  }
  clear(): void {
    this.set(
      [],
      this.data.slice(1).map(() => []),
    );
  }
  series(i: number): (number | null)[] {
    return this.data[i + 1];
  }
}

/** Histograms of several value sets on one set of bins (so their bars can be compared): bin centres and counts per set. */
export function histogram(sets: number[][], bins = 10): { centres: number[]; counts: number[][] } {
  const fin = sets.flat().filter(Number.isFinite);
  if (!fin.length) return { centres: [], counts: sets.map(() => []) };
  let lo = Math.min(...fin),
    hi = Math.max(...fin);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const w = (hi - lo) / bins;
  const counts = sets.map((vs) => {
    const c = new Array(bins).fill(0);
    for (const v of vs) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
    return c;
  });
  return { centres: counts[0].map((_, i) => lo + (i + 0.5) * w), counts };
}
