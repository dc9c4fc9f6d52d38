// `ifrlab experiment implicit-bias`: Gunasekar et al. (2018) checked exactly.
// Gradient descent on linear FC networks converges in direction to the l2
// max-margin predictor, on 2-layer full-width circular conv networks to the
// Fourier-l1 max-margin predictor, on diagonal networks to the l1 one; the
// bounded-width conv (where the theorem says nothing) and a ReLU FC net are
// measured against all three. The study itself is src/lab/theory/implicit-bias.ts.
import type { Experiment, ExperimentContext, Figure, Scale } from './common.ts';
import { part } from './common.ts';
import {
  defaultImplicitBiasConfig,
  implicitBias,
  LIMIT_NAMES,
  parseFamilies,
  predictedLimit,
  type ImplicitBiasConfig,
  type LimitName,
  type ProblemResult,
  type RunResult,
} from '../theory/implicit-bias.ts';
import { groupMagnitudes, fourierL1Norm } from '../theory/solvers.ts';
import { imagePool } from '../theory/implicit-bias.ts';
import { openDataset } from './common.ts';
import { splitToBatch } from './pipeline.ts';
import type { Family } from '../theory/nets.ts';
import { heatmap, linePlot } from '../report/svg.ts';
import { fmtFixed, mdTable } from '../report/markdown.ts';
import { meanOf } from '../analysis/stats.ts';

/** The implicit-bias experiment's configuration at a scale. */
export function implicitBiasConfig(scale: Scale, ctx: Pick<ExperimentContext, 'seed'>): ImplicitBiasConfig {
  const c = { ...defaultImplicitBiasConfig(), seed: ctx.seed };
  return scale === 'paper' ? { ...c, steps: 100000, seeds: 5, checkpoints: 40 } : c;
}

/** The theorem's checks: own-limit cosine thresholds and the separation from the other limit. */
export const THRESHOLDS = { fc: 0.99, conv: 0.95, separation: 0.05 } as const;

/** Final cosines to each limit per family and seed, and the checks of the theorem. */
export interface ImplicitBiasSummary {
  /** final cosines[family][limit] per seed. */
  final: Record<string, Record<LimitName, number[]>>;
  checks: { name: string; holds: boolean; detail: string }[];
}

export function summarise(problems: ProblemResult[], families: Family[], L = 2): ImplicitBiasSummary {
  const final: ImplicitBiasSummary['final'] = {};
  for (const f of families) {
    final[f] = { l2: [], fourier: [], l1: [] };
    for (const p of problems) {
      const r = p.runs.find((x) => x.family === f)!;
      const last = r.checkpoints[r.checkpoints.length - 1];
      for (const l of LIMIT_NAMES) final[f][l].push(last.cos[l]);
    }
  }
  const checks: ImplicitBiasSummary['checks'] = [];
  const check = (fam: Family, own: LimitName, other: LimitName, thr: number): void => {
    if (!final[fam]) return;
    const o = final[fam][own],
      x = final[fam][other];
    const sep = o.map((v, i) => v - x[i]);
    checks.push({
      name: `${fam}: cos to ${own} >= ${thr} on every seed`,
      holds: Math.min(...o) >= thr,
      detail: `min ${fmtFixed(Math.min(...o), 4)} (per seed ${o.map((v) => fmtFixed(v, 4)).join(', ')})`,
    });
    checks.push({
      name: `${fam}: cos to ${own} exceeds cos to ${other} by >= ${THRESHOLDS.separation} on every seed`,
      holds: Math.min(...sep) >= THRESHOLDS.separation,
      detail: `cos to ${other} per seed ${x.map((v) => fmtFixed(v, 4)).join(', ')}; smallest difference ${fmtFixed(Math.min(...sep), 4)}`,
    });
  };
  check('fc', 'l2', 'fourier', THRESHOLDS.fc);
  if (L === 2) check('conv', 'fourier', 'l2', THRESHOLDS.conv);
  else if (final.conv) {
    // L > 2: the theorem promises a stationary point, not the one reweighting finds from l1
    const st = problems.map((p) => p.runs.find((r) => r.family === 'conv')!.stationarity ?? NaN);
    checks.push({
      name: `conv: beta is a stationary point of min ||DFT(beta)||_{2/${L}} (cos >= ${THRESHOLDS.conv} to the point reweighting reaches from it) on every seed`,
      holds: Math.min(...st) >= THRESHOLDS.conv,
      detail: `per seed ${st.map((v) => fmtFixed(v, 4)).join(', ')}`,
    });
  }
  return { final, checks };
}

function figures(problems: ProblemResult[], families: Family[], cfg: ImplicitBiasConfig): Figure[] {
  const out: Figure[] = [];
  const lg = (s: number): number => Math.log10(Math.max(s, 1));
  const meanCurve = (
    f: Family,
    pick: (c: RunResult['checkpoints'][number]) => number,
  ): { x: number[]; y: number[] } => {
    const runs = problems.map((p) => p.runs.find((r) => r.family === f)!);
    const steps = runs[0].checkpoints.map((c) => c.step);
    return { x: steps.map(lg), y: steps.map((_, i) => meanOf(runs.map((r) => pick(r.checkpoints[i])))) };
  };
  const q = cfg.L === 2 ? '' : ` (l_{2/${cfg.L}} stationary point)`;
  const title: Record<LimitName, string> = {
    l2: 'l2 max margin',
    fourier: `Fourier-l1 max margin${q}`,
    l1: `l1 max margin${q}`,
  };
  for (const lim of LIMIT_NAMES) {
    out.push({
      file: `alignment-${lim}.svg`,
      svg: linePlot(
        families.map((f) => ({ label: f, ...meanCurve(f, (c) => c.cos[lim]), dashed: predictedLimit(f) !== lim })),
        {
          title: `Cosine of beta to the ${title[lim]}`,
          xlabel: 'log10 GD step',
          ylabel: 'cosine (mean over seeds)',
          markers: false,
        },
      ),
      caption: `Alignment of the learned beta with the ${title[lim]} along training, mean over ${problems.length} seeds (solid: the family the theory assigns to this limit)`,
    });
  }
  out.push({
    file: 'margin.svg',
    svg: linePlot(
      families.map((f) => ({ label: f, ...meanCurve(f, (c) => c.l2MarginRatio) })),
      {
        title: 'Normalised l2 margin / optimal l2 margin',
        xlabel: 'log10 GD step',
        ylabel: 'margin ratio (1 = l2 optimum)',
        markers: false,
      },
    ),
    caption: 'min_n y_n <x_n, beta> / ||beta||_2 relative to the l2 max margin (only the fc limit attains 1)',
  });
  // final spectra of seed 0 against the limits' spectra
  const F = fourierL1Norm(cfg.H, cfg.W),
    p0 = problems[0];
  const spec = (b: number[]): number[] => {
    const m = groupMagnitudes(F, b);
    const mx = Math.max(...m);
    return Array.from(m, (v) => v / (mx || 1));
  };
  const ks = [...Array(cfg.H * cfg.W).keys()];
  out.push({
    file: 'spectra-final.svg',
    svg: linePlot(
      [
        ...families.map((f) => ({
          label: f,
          x: ks,
          y: p0.runs.find((r) => r.family === f)!.checkpoints.at(-1)!.spectrum,
        })),
        { label: 'l2 limit', x: ks, y: spec(p0.limits.l2), dashed: true },
        { label: 'Fourier limit', x: ks, y: spec(p0.limits.fourier), dashed: true },
      ],
      {
        title: `|DFT(beta)| at the end of training (seed ${p0.seed})`,
        xlabel: 'frequency index k (row-major)',
        ylabel: '|beta_hat_k| / max',
        markers: true,
      },
    ),
    caption: 'Fourier amplitude spectrum of the learned beta and of the predicted limits (each divided by its maximum)',
  });
  for (const f of families.filter((x) => x === 'conv' || x === 'bwc' || x === 'fc')) {
    const r = p0.runs.find((x) => x.family === f)!;
    out.push({
      file: `spectrum-evolution-${f}.svg`,
      svg: heatmap(
        r.checkpoints.flatMap((c) => c.spectrum),
        r.checkpoints.length,
        ks.length,
        {
          title: `${f}: |DFT(beta)| / max over training`,
          colorLabel: '|beta_hat_k| / max',
          xlabel: 'frequency index k',
          ylabel: 'checkpoint (log-spaced steps, top: step 0)',
          cell: Math.max(6, Math.floor(240 / Math.max(ks.length, r.checkpoints.length))),
        },
      ),
      caption: `${f}, seed ${p0.seed}: the Fourier spectrum of beta at each checkpoint (rows, step 0 at the top, last step ${cfg.steps} at the bottom)`,
    });
  }
  return out;
}

/** The 'implicit-bias' experiment (Gunasekar et al. 2018, the paper's section 2): linear FC and full-width conv nets trained by gradient descent converge to the l2 and Fourier-l1 max-margin solutions. */
export const implicitBiasExperiment: Experiment<
  ImplicitBiasConfig,
  { problems: ProblemResult[]; summary: ImplicitBiasSummary }
> = {
  name: 'implicit-bias',
  title: 'Implicit bias of gradient descent: FC -> l2, full-width conv -> Fourier-l1 (Gunasekar et al. 2018)',
  reproduces: "Gunasekar et al. 2018 (the paper's Remark 3 and Claim 2)",
  config: implicitBiasConfig,
  async run(cfg, ctx) {
    const families = parseFamilies(cfg.families);
    let pool;
    if (cfg.data !== 'gaussian') {
      const ds = await openDataset(ctx, cfg.data);
      const cls = cfg.classes.split(/[+,\s]+/).map(Number);
      if (cls.length !== 2 || cls.some((c) => !(Number.isInteger(c) && c >= 0 && c < ds.numClasses)))
        throw new Error(`implicit-bias: classes must be two class indices joined by '+', got '${cfg.classes}'`);
      const b = splitToBatch(ds.train, ds.shape, 2000);
      pool = imagePool(b.x, b.labels, ds.shape, [cls[0], cls[1]], cfg.H, cfg.W);
    }
    const problems = await implicitBias(cfg, { progress: ctx.progress, cached: (k, fn) => part(ctx, k, fn), pool });
    const summary = summarise(problems, families, cfg.L);
    const D = cfg.H * cfg.W;
    const predicted = (f: Family): string => {
      const l = predictedLimit(f);
      return l === null
        ? '(none)'
        : l === 'fourier'
          ? cfg.L === 2
            ? 'Fourier-l1'
            : `Fourier l_{2/${cfg.L}}`
          : l === 'l1' && cfg.L > 2
            ? `l_{2/${cfg.L}}`
            : l;
    };
    const cell = (v: number[]): string => `${fmtFixed(meanOf(v), 4)} (min ${fmtFixed(Math.min(...v), 4)})`;
    const lastOf = (f: Family, p: ProblemResult) => p.runs.find((r) => r.family === f)!.checkpoints.at(-1)!;
    const table = mdTable(
      [
        'family',
        'predicted limit',
        'cos to l2',
        'cos to Fourier',
        'cos to l1',
        'final l2-margin ratio',
        'spectrum l1/l2',
      ],
      families.map((f) => [
        f,
        predicted(f),
        cell(summary.final[f].l2),
        cell(summary.final[f].fourier),
        cell(summary.final[f].l1),
        fmtFixed(meanOf(problems.map((p) => lastOf(f, p).l2MarginRatio)), 4),
        fmtFixed(meanOf(problems.map((p) => lastOf(f, p).fourierSparsity)), 3),
      ]),
    );
    // the paper's Claim 2: a bounded-width kernel spreads beta's energy over more frequencies than a full-width one
    const claim2 =
      families.includes('conv') && families.includes('bwc')
        ? `- Claim 2 (bounded width spreads the spectrum): ||beta_hat||_1/||beta_hat||_2 of bwc (k = ${cfg.k}) vs conv per seed: ${problems.map((p) => `${fmtFixed(lastOf('bwc', p).fourierSparsity, 3)} vs ${fmtFixed(lastOf('conv', p).fourierSparsity, 3)}`).join(', ')}: bwc denser on ${problems.filter((p) => lastOf('bwc', p).fourierSparsity > lastOf('conv', p).fourierSparsity).length} of ${problems.length} seeds.`
        : '';
    const probTable = mdTable(
      [
        'seed',
        'draws',
        'cos(l2*, Fourier*)',
        'Fourier excess of l2*',
        'l2 excess of Fourier*',
        'gap l2',
        'gap Fourier-l1',
        'gap l1',
      ],
      problems.map((p) => [
        String(p.seed),
        String(p.draws),
        fmtFixed(p.limits.limitCosine, 4),
        fmtFixed(p.limits.crossGap.l2InFourier, 3),
        fmtFixed(p.limits.crossGap.fourierInL2, 3),
        p.limits.gaps.l2.toExponential(1),
        p.limits.gaps.fourier.toExponential(1),
        p.limits.gaps.l1.toExponential(1),
      ]),
    );
    let checks = summary.checks.map((c) => `- ${c.holds ? 'HOLDS' : 'FAILS'}: ${c.name}: ${c.detail}`).join('\n');
    if (cfg.L > 2) {
      // l_{2/L} has many stationary points; the one reweighting reaches from l1 need not be GD's
      const st = families
        .filter((f) => f === 'conv' || f === 'diag')
        .map(
          (f) =>
            `${f}: ${problems.map((p) => fmtFixed(p.runs.find((r) => r.family === f)!.stationarity ?? NaN, 4)).join(', ')}`,
        );
      checks += `\n- L = ${cfg.L}: the limit is only a stationary point, and there are many. Cosine of the final beta to the stationary point reweighting reaches from beta itself (1 = beta is stationary), per seed: ${st.join('; ')}`;
    }
    const markdown = [
      `Data: ${cfg.N} ${cfg.data === 'gaussian' ? 'Gaussian points' : `${cfg.data} training images of classes ${cfg.classes.replace('+', ' (+1) and ')} (-1), grey, block-averaged, centred and scaled to mean square norm D,`} in R^${D} (${cfg.H === 1 ? `1-D signals of length ${cfg.W}` : `${cfg.H}x${cfg.W} images`}), alternating labels, ${cfg.seeds} seeds; draws whose l2 and Fourier limits have cosine above ${cfg.maxLimitCosine}, or where either limit is within ${100 * cfg.minCrossGap}% of optimal in the other's objective, are redrawn (they cannot tell the predictions apart; 'draws' counts them). Networks: L = ${cfg.L} layers, bwc kernels of ${cfg.k} taps, init N(0, ${cfg.init}^2), ${cfg.loss} loss, ${cfg.schedule} GD (lr ${cfg.lr} / (1 + t/${cfg.decaySteps})^${cfg.decay}), ${cfg.steps} steps, ${cfg.precision === 'float64' ? 'float64 reference backend' : 'the current backend'}.`,
      '',
      'Predicted limits, solved by the lab (l2: dual coordinate ascent + exact solve on the support; Fourier-l1 and l1: ADMM; L > 2: reweighting from the l1 solution). Gap = primal value minus a dual certificate:',
      '',
      probTable,
      '',
      'Cosine of the learned beta (the response to each basis input) to each limit at the end of training, mean over seeds (min):',
      '',
      table,
      '',
      "The theorem's checks:",
      '',
      checks,
      claim2 ? `\n${claim2}` : '',
    ].join('\n');
    return {
      result: { problems, summary },
      figures: figures(problems, families, cfg),
      markdown,
      summary: `${table}\n\n${checks}${claim2 ? `\n${claim2}` : ''}`,
    };
  },
};
