// The reproduction report (`ifrlab report --reproduction DIR...`): every quantitative
// item of the paper (Tables 1-4, 6; Figures 2-8) with our number and its 95% interval
// beside the paper's, and a verdict for each claim C1-C8 computed by the rule in
// src/lab/stats/verdict.ts from those intervals. Platform-free: the CLI reads the runs
// and writes the page and figures.
import type { ResultFile } from '../experiments/common.ts';
import type { ModelStudyModel, ModelStudyResult, SeedRun } from '../experiments/model-study.ts';
import type { PerImageKey } from '../experiments/pipeline.ts';
import type { DynamicsResult, CheckpointStats } from '../experiments/dynamics.ts';
import type { StegoResult } from '../experiments/steganography.ts';
import { CLAIMS, SOURCES, TABLE1, TABLE2, TABLE3, TABLE4, TABLE6, paperKey } from '../experiments/paper.ts';
import {
  bootstrapDifference,
  bootstrapMean,
  groupedBootstrapMean,
  overSeeds,
  type Interval,
} from '../stats/intervals.ts';
import {
  MIN_IMAGES,
  MIN_SEEDS,
  combineVerdicts,
  equivalenceVerdictOf,
  verdictOf,
  type Evidence,
  type VerdictResult,
} from '../stats/verdict.ts';
import { mdTable } from './markdown.ts';

/** One experiment run for the reproduction page: its directory relative to the page and its result.json. */
export interface RunInput {
  /** The run's directory relative to the page. */
  relDir: string;
  result: ResultFile;
}

/** The reproduction page: its Markdown and the figures to copy beside it. */
export interface ReproductionPage {
  markdown: string;
  /** Figures to copy beside the page: from (run dir relative) -> to (relative to the page). */
  figures: { from: string; to: string; caption: string }[];
}

/** Images needed for per-image statistics; the dynamics use the paper's 100 training images. */
const DYNAMICS_MIN_IMAGES = 100;
/** Equivalence margin of C8 (share of delta's energy at k_r > H/4). */
export const C8_MARGIN = 0.05;
const BOOT = { resamples: 2000, seed: 17 };

const f3 = (v: number): string =>
  Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 10 ? v.toFixed(2) : v.toFixed(3)) : '–';
const fIv = (i: Interval | undefined): string =>
  !i || !Number.isFinite(i.estimate) ? '–' : `${f3(i.estimate)} [${f3(i.lo)}, ${f3(i.hi)}]`;
const pmS = (v: [number, number] | undefined): string => (v ? `${v[0]} ± ${v[1]}` : '–');

/** mean ± std over seeds (just the value for one seed). */
const seedCell = (s: { mean: number; std: number; n: number }): string =>
  s.n > 1 ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)} (${s.n} seeds)` : `${s.mean.toFixed(1)} (1 seed)`;

function seedsOf(m: ModelStudyModel): SeedRun[] {
  return (
    m.seeds ?? [
      {
        seed: 0,
        testAccuracy: m.testAccuracy,
        trainLoss: m.trainLoss,
        trainSeconds: m.trainSeconds,
        lr: m.lr ?? NaN,
        analyses: m.analyses,
      },
    ]
  );
}

/** Per-seed per-image values of one statistic. */
function groups(m: ModelStudyModel | undefined, attack: string, key: PerImageKey): number[][] {
  return m
    ? seedsOf(m)
        .map((s) => s.analyses[attack]?.perImage?.[key] ?? [])
        .filter((g) => g.length)
    : [];
}

function paired(m: ModelStudyModel | undefined, attack: string, a: PerImageKey, b: PerImageKey): number[][] {
  return m
    ? seedsOf(m)
        .map((s) => {
          const p = s.analyses[attack]?.perImage;
          return p?.[a] && p[b] ? p[a].map((v, i) => v - p[b][i]) : [];
        })
        .filter((g) => g.length)
    : [];
}

const ivOf = (g: number[][]): Interval | undefined => (g.length ? groupedBootstrapMean(g, BOOT) : undefined);

function find(r: ModelStudyResult | undefined, key: string, act: 'linear' | 'relu'): ModelStudyModel | undefined {
  return r?.models.find((m) => m.paperKey === key && m.act === act);
}

interface ClaimRow {
  id: string;
  verdict: VerdictResult;
  measure: string;
  run?: RunInput;
  note?: string;
}

function runLine(r: RunInput | undefined): string {
  if (!r) return 'not run';
  const c = r.result.command ?? `ifrlab experiment ${r.result.experiment} --scale ${r.result.scale}`;
  return `${r.result.scale} scale; \`${c}\``;
}

const noRun = (id: string, what: string): ClaimRow => ({
  id,
  verdict: { verdict: 'inconclusive', leaning: 'inconclusive', reason: `no ${what} run given` },
  measure: '–',
});

// ---------------------------------------------------------------- claims

/** Each seed's checkpoints of a dynamics run (one seed for runs made before seeds existed). */
function dynSeeds(r: DynamicsResult): CheckpointStats[][] {
  return r.seeds?.map((x) => x.checkpoints) ?? [r.checkpoints];
}

function c1(dyn: RunInput | undefined): ClaimRow {
  if (!dyn) return noRun('C1', 'dynamics');
  const r = dyn.result.result as DynamicsResult;
  const diff = (c: CheckpointStats, k: 'roughness' | 'reluChange'): number[] =>
    c.adv[k].map((v, i) => v - c.rand[k][i]);
  const ev = (g: number[][]) =>
    withMin({
      interval: groupedBootstrapMean(g, BOOT),
      trainingDependent: true,
      perImage: true,
      minImages: DYNAMICS_MIN_IMAGES,
      scale: dyn.result.scale,
    });
  const seeds = dynSeeds(r);
  const last = (cs: CheckpointStats[]) => cs[cs.length - 1];
  const parts = [
    ev(seeds.map((cs) => diff(last(cs), 'roughness'))),
    ev(seeds.map((cs) => diff(last(cs), 'reluChange'))),
    ev(
      seeds.map((cs) => {
        const f = diff(cs[0], 'roughness');
        return diff(last(cs), 'roughness').map((v, i) => v - f[i]);
      }),
    ),
  ];
  return {
    id: 'C1',
    verdict: combineVerdicts(parts),
    run: dyn,
    measure: `final model: roughness adv − rand ${fIv(parts[0].interval)}, ReLU-change fraction adv − rand ${fIv(parts[1].interval)}; growth of the roughness gap from initialisation ${fIv(parts[2].interval)} (paired per image; ${parts[0].interval.n} image-seeds, ${seeds.length} seed(s), ${r.spec})`,
  };
}

/** verdictOf, keeping the interval beside the verdict. */
function withMin(e: Evidence): VerdictResult & { interval: Interval } {
  return { ...verdictOf(e), interval: e.interval };
}

function c2(dyn: RunInput | undefined): ClaimRow {
  if (!dyn) return noRun('C2', 'dynamics');
  const seeds = dynSeeds(dyn.result.result as DynamicsResult);
  const first = seeds.map((cs) => cs[0]),
    last = seeds.map((cs) => cs[cs.length - 1]);
  const d = (a: number[][], b: number[][]) =>
    withMin({
      interval: bootstrapDifference(a, b, BOOT),
      trainingDependent: true,
      perImage: true,
      minImages: DYNAMICS_MIN_IMAGES,
      scale: dyn.result.scale,
    });
  const linf = d(
    first.map((c) => c.minimal.linf),
    last.map((c) => c.minimal.linf),
  );
  const parts = [linf];
  let l2txt = 'no minimal-L2 search in this run';
  if (first.every((c) => c.minimalL2) && last.every((c) => c.minimalL2)) {
    const l2 = d(
      first.map((c) => c.minimalL2!.l2),
      last.map((c) => c.minimalL2!.l2),
    );
    parts.push(l2);
    l2txt = `minimal-L2 search: ||δ||₂ first − final ${fIv(l2.interval)}`;
  }
  const found = (cs: CheckpointStats[]) => cs.reduce((t, c) => t + c.minimal.found, 0);
  return {
    id: 'C2',
    verdict: combineVerdicts(parts),
    run: dyn,
    measure: `minimal-Linf search: ||δ||∞ at initialisation − final ${fIv(linf.interval)} (${found(first)} and ${found(last)} image-seeds, ${seeds.length} seed(s)); ${l2txt}`,
  };
}

function c3(dyn: RunInput | undefined): ClaimRow {
  if (!dyn) return noRun('C3', 'dynamics');
  const seeds = dynSeeds(dyn.result.result as DynamicsResult);
  const first = seeds.map((cs) => cs[0].minimal.meanRadius ?? []),
    last = seeds.map((cs) => cs[cs.length - 1].minimal.meanRadius ?? []);
  const v = withMin({
    interval: bootstrapDifference(last, first, BOOT),
    trainingDependent: true,
    perImage: true,
    minImages: DYNAMICS_MIN_IMAGES,
    scale: dyn.result.scale,
  });
  return {
    id: 'C3',
    verdict: v,
    run: dyn,
    measure: `energy-weighted mean k_r of the minimal perturbation, final − initialisation: ${fIv(v.interval)} cycles/image (${seeds.length} seed(s))`,
  };
}

function diffModels(
  a: ModelStudyModel | undefined,
  b: ModelStudyModel | undefined,
  attack: string,
  key: PerImageKey,
  scale: string,
): (VerdictResult & { interval: Interval }) | null {
  const ga = groups(a, attack, key),
    gb = groups(b, attack, key);
  if (!ga.length || !gb.length) return null;
  const interval = bootstrapDifference(ga, gb, BOOT);
  return { ...verdictOf({ interval, trainingDependent: true, perImage: true, scale }), interval };
}

function c4(run: RunInput | undefined): ClaimRow[] {
  if (!run) return [noRun('C4', 'fourier-norms or table1')];
  const r = run.result.result as ModelStudyResult;
  const readings: [string, PerImageKey, string][] = [
    ['C4a', 'paperBetaL1', "β with the authors' preprocessing (z-score, abs, min-max, channel mean)"],
    ['C4b', 'noAbsBetaL1', 'β preprocessed without the absolute value'],
    ['C4c', 'betaSparsity', 'raw gradient, scale-free ‖β̂‖₁/‖β̂‖₂'],
  ];
  return readings.map(([id, key, what]) => {
    const parts = (['fc', 'dfc'] as const)
      .map((fc) =>
        diffModels(
          find(r, fc, 'linear'),
          find(r, fc.replace('fc', 'fwc'), 'linear'),
          'pgd-linf',
          key,
          run.result.scale,
        ),
      )
      .filter((p): p is NonNullable<typeof p> => !!p);
    return {
      id,
      verdict: combineVerdicts(parts),
      run,
      measure: `${what}: FC − FWC ${fIv(parts[0]?.interval)}${parts[1] ? `; deep FC − deep FWC ${fIv(parts[1].interval)}` : ''}`,
    };
  });
}

function c5(run: RunInput | undefined): ClaimRow[] {
  if (!run) return [noRun('C5', 'spectra or table1')];
  const r = run.result.result as ModelStudyResult;
  const attacks = [...new Set(r.models.flatMap((m) => Object.keys(m.analyses)))];
  return attacks.map((a, k) => {
    const parts: (VerdictResult & { interval: Interval; label: string })[] = [];
    for (const act of ['linear', 'relu'] as const) {
      for (const other of ['fc', 'fwc', 'lc']) {
        const p = diffModels(find(r, 'bwc', act), find(r, other, act), a, 'highShare', run.result.scale);
        if (p) parts.push({ ...p, label: `BWC − ${other.toUpperCase()} (${act})` });
      }
    }
    return {
      id: attacks.length > 1 ? `C5${'abcdef'[k]}` : 'C5',
      verdict: combineVerdicts(parts),
      run,
      measure: `${a}, share of δ's energy at k_r > H/4: ${parts.map((p) => `${p.label} ${fIv(p.interval)}`).join('; ')}`,
    };
  });
}

function c6(run: RunInput | undefined): ClaimRow[] {
  if (!run) return [noRun('C6', 'table1')];
  const r = run.result.result as ModelStudyResult;
  return (
    [
      ['C6a', 'spearman', 'spearmanShuffled', 'raw gradient'],
      ['C6b', 'spearmanPaper', 'spearmanPaperShuffled', "authors' β preprocessing"],
    ] as const
  ).map(([id, key, nullKey, what]) => {
    const parts = r.models.map((m) => {
      const g = paired(m, 'pgd-linf', key, nullKey);
      const interval = g.length ? groupedBootstrapMean(g, BOOT) : bootstrapMean([]);
      return {
        ...verdictOf({ interval, trainingDependent: true, perImage: true, scale: run.result.scale }),
        interval,
        spec: m.spec,
      };
    });
    const lo = parts.reduce((b, p) => (p.interval.lo < b.interval.lo ? p : b), parts[0]);
    return {
      id,
      verdict: combineVerdicts(parts),
      run,
      measure: `${what}: per-image Spearman minus the shuffled-pair null (δ of image i against β of image i+1, same preprocessing), every model (${parts.length}); weakest ${lo?.spec} ${fIv(lo?.interval)}`,
    };
  });
}

function c7(run: RunInput | undefined): ClaimRow {
  if (!run) return noRun('C7', 'steganography');
  const acc = (run.result.result as StegoResult).accuracy;
  const keys = Object.keys(acc);
  const conds = Object.keys(acc[keys[0]] ?? {});
  const parts: (VerdictResult & { interval: Interval; cond: string })[] = [];
  for (const c of conds.filter((c) => c !== 'base')) {
    const nSeeds = acc[keys[0]][c].length;
    const perSeed: number[] = [];
    for (let s = 0; s < nSeeds; s++) {
      const gain = (k: string): number => 100 * (acc[k][c][s] - acc[k].base[s]);
      const conv = keys.filter((k) => !k.startsWith('fc')),
        fc = keys.filter((k) => k.startsWith('fc'));
      perSeed.push(
        conv.reduce((t, k) => t + gain(k), 0) / conv.length - fc.reduce((t, k) => t + gain(k), 0) / fc.length,
      );
    }
    const interval = { ...bootstrapMean(perSeed, BOOT), groups: perSeed.length };
    parts.push({ ...verdictOf({ interval, trainingDependent: true, scale: run.result.scale }), interval, cond: c });
  }
  return {
    id: 'C7',
    verdict: combineVerdicts(parts),
    run,
    measure: `mean accuracy gain of the conv models minus that of the FC models (points, per seed): ${parts.map((p) => `${p.cond} ${fIv(p.interval)}`).join('; ')}`,
  };
}

function c8(run: RunInput | undefined): ClaimRow {
  if (!run) return noRun('C8', 'mnist-spectra');
  const r = run.result.result as ModelStudyResult;
  const pairs: [string, string][] = [
    ['bwc', 'fc'],
    ['dbwc', 'dfc'],
    ['fwc', 'fc'],
    ['lc', 'fc'],
  ];
  const parts = pairs
    .map(([a, b]) => {
      const ga = groups(find(r, a, 'linear'), 'pgd-linf', 'highShare'),
        gb = groups(find(r, b, 'linear'), 'pgd-linf', 'highShare');
      if (!ga.length || !gb.length) return null;
      const interval = bootstrapDifference(ga, gb, BOOT);
      return {
        ...equivalenceVerdictOf(
          { interval, trainingDependent: true, perImage: true, scale: run.result.scale },
          C8_MARGIN,
        ),
        interval,
        label: `${a.toUpperCase()} − ${b.toUpperCase()}`,
      };
    })
    .filter((p): p is NonNullable<typeof p> => !!p);
  return {
    id: 'C8',
    verdict: combineVerdicts(parts),
    run,
    measure: `MNIST, high-frequency share of δ (linear models), within ±${C8_MARGIN}: ${parts.map((p) => `${p.label} ${fIv(p.interval)}`).join('; ')}`,
  };
}

// ---------------------------------------------------------------- tables

function table1(run: RunInput | undefined): string {
  if (!run) return '_No table1 run given._';
  const r = run.result.result as ModelStudyResult;
  const rows = Object.keys(TABLE1).map((k) => {
    const cell = (act: 'linear' | 'relu'): string => {
      const m = find(r, k, act);
      const i = ivOf(groups(m, 'pgd-linf', 'spearman'));
      return m ? `${fIv(i)} (${i?.n ?? 0} img, ${i?.groups ?? 0} seed)` : '–';
    };
    return [TABLE1[k].name, cell('linear'), TABLE1[k].linear, cell('relu'), TABLE1[k].relu];
  });
  const readings = r.models.map((m) => [
    m.spec,
    fIv(ivOf(groups(m, 'pgd-linf', 'spearman'))),
    fIv(ivOf(groups(m, 'pgd-linf', 'spearmanPaper'))),
    fIv(ivOf(groups(m, 'pgd-linf', 'spearmanNoAbs'))),
    fIv(ivOf(groups(m, 'pgd-linf', 'spearmanShuffled'))),
    f3(m.analyses['pgd-linf']?.spearman.ofAverages ?? NaN),
  ]);
  return [
    mdTable(['model', 'ours, linear', 'paper, linear', 'ours, ReLU', 'paper, ReLU'], rows),
    '',
    'Ours: per-image Spearman of |β̂| and |δ̂| (raw gradient β, grey, unitary DFT), mean with its 95% bootstrap interval over images (and seeds). The readings the paper leaves open, side by side (per-image means with intervals; the last column is one number, the correlation of the averaged spectra):',
    '',
    mdTable(
      [
        'model',
        'raw β',
        "authors' preprocessing",
        'preprocessing without abs',
        'null: shuffled pairs',
        'of averaged spectra',
      ],
      readings,
    ),
  ].join('\n');
}

function normTable(run: RunInput | undefined, act: 'linear' | 'relu'): string {
  if (!run) return '_No fourier-norms (or table1) run given._';
  const r = run.result.result as ModelStudyResult;
  const ref = act === 'linear' ? TABLE3 : TABLE4;
  const rows = Object.keys(ref).map((k) => {
    const m = find(r, k, act);
    const p = ref[k];
    const c = (key: PerImageKey): string => (m ? fIv(ivOf(groups(m, 'pgd-linf', key))) : '–');
    const base = [p.name, c('deltaL2'), pmS(p.d2), c('deltaL1'), pmS(p.d1)];
    return act === 'linear'
      ? [
          ...base,
          c('paperBetaL2'),
          pmS(p.b2),
          c('paperBetaL1'),
          pmS(p.b1),
          c('noAbsBetaL2'),
          c('noAbsBetaL1'),
          c('betaSparsity'),
        ]
      : base;
  });
  const head = ['model', 'ours ‖δ̂‖₂', 'paper', 'ours ‖δ̂‖₁', 'paper'];
  return mdTable(
    act === 'linear'
      ? [
          ...head,
          "ours ‖β̂‖₂ (authors' prep.)",
          'paper',
          "ours ‖β̂‖₁ (authors' prep.)",
          'paper',
          '‖β̂‖₂ without abs',
          '‖β̂‖₁ without abs',
          'raw ‖β̂‖₁/‖β̂‖₂',
        ]
      : head,
    rows,
  );
}

function table6(runs: RunInput[]): string {
  const seen = new Map<string, { m: ModelStudyModel; run: string }>();
  for (const run of runs) {
    if (!['table1', 'fourier-norms', 'spectra', 'quick-study'].includes(run.result.experiment)) continue;
    for (const m of (run.result.result as ModelStudyResult).models)
      if (!seen.has(m.spec)) seen.set(m.spec, { m, run: run.result.experiment });
  }
  if (!seen.size) return '_No model-study run given._';
  const rows = [...seen.values()].map(({ m, run }) => {
    const s = overSeeds(seedsOf(m).map((x) => 100 * x.testAccuracy));
    const pk = paperKey(m.spec);
    const paper = TABLE6[`${pk.key}-${pk.act}`] ?? TABLE6[pk.key];
    return [m.spec, seedCell(s), paper ?? '–', run];
  });
  return mdTable(['model', 'ours: test accuracy % (mean ± std over seeds)', 'paper %', 'run'], rows);
}

function table2(run: RunInput | undefined): string {
  if (!run) return '_No steganography run given._';
  const acc = (run.result.result as StegoResult).accuracy;
  const conds = Object.keys(Object.values(acc)[0] ?? {});
  const key = (c: string): 'base' | 'rho2' | 'rho1' | null =>
    c === 'base' ? 'base' : c.includes('rho=.2') ? 'rho2' : c.includes('rho=.1') ? 'rho1' : null;
  const rows = Object.entries(acc).map(([k, byCond]) => [
    TABLE2[k]?.name ?? k,
    ...conds.flatMap((c) => {
      const s = overSeeds(byCond[c].map((v) => 100 * v));
      const pk = key(c);
      return [seedCell(s), pk && TABLE2[k] ? pmS(TABLE2[k][pk]) : '–'];
    }),
  ]);
  return mdTable(['model', ...conds.flatMap((c) => [`ours ${c}`, `paper ${c}`])], rows);
}

function dynamicsTable(run: RunInput | undefined): string {
  if (!run) return '_No dynamics run given._';
  const r = run.result.result as DynamicsResult;
  const cs = r.checkpoints;
  const pick = [...new Set([0, Math.round((cs.length - 1) / 2), cs.length - 1])].map((i) => cs[i]);
  const rows = pick.map((c) => [
    f3(c.epoch),
    f3(100 * c.testAccuracy),
    fIv(bootstrapMean(c.adv.roughness, BOOT)),
    fIv(bootstrapMean(c.rand.roughness, BOOT)),
    fIv(bootstrapMean(c.adv.reluChange, BOOT)),
    fIv(bootstrapMean(c.rand.reluChange, BOOT)),
    `${fIv(bootstrapMean(c.minimal.linf, BOOT))} (${c.minimal.found})`,
    c.minimalL2 ? `${fIv(bootstrapMean(c.minimalL2.l2, BOOT))} (${c.minimalL2.found})` : '–',
    c.minimal.meanRadius ? fIv(bootstrapMean(c.minimal.meanRadius, BOOT)) : '–',
  ]);
  return [
    `Model \`${r.spec}\` on \`${r.data}\`, ${cs.length} checkpoints; ${pick.length} shown (first, middle, last). The paper shows these as figures only (ResNet18), so only the direction of each effect is compared (claims C1-C3).`,
    '',
    mdTable(
      [
        'epoch',
        'test acc %',
        'roughness adv',
        'roughness rand',
        'ReLU change adv',
        'ReLU change rand',
        'min-Linf search ‖δ‖∞ (images)',
        'min-L2 search ‖δ‖₂ (images)',
        'mean k_r of δ',
      ],
      rows,
    ),
  ].join('\n');
}

function highShareTable(run: RunInput | undefined, label: string): string {
  if (!run) return `_No ${label} run given._`;
  const r = run.result.result as ModelStudyResult;
  const attacks = [...new Set(r.models.flatMap((m) => Object.keys(m.analyses)))];
  const rows = r.models.map((m) => [m.spec, ...attacks.map((a) => fIv(ivOf(groups(m, a, 'highShare'))))]);
  return mdTable(['model', ...attacks.map((a) => `${a}: share of δ energy at k_r > H/4`)], rows);
}

// ---------------------------------------------------------------- page

const FIGURES: Record<string, string[]> = {
  // the heat-map grids are large SVGs: one per experiment (the run directories hold all)
  table1: ['radial-pgd-linf.svg', 'angular-pgd-linf.svg'],
  spectra: ['spectrum-delta-pgd-linf.svg', 'radial-pgd-l2.svg', 'radial-pgd-l1.svg'],
  dynamics: [
    'relu-changes.svg',
    'roughness.svg',
    'minimal-norms.svg',
    'spectra-per-checkpoint.svg',
    'radial-per-checkpoint.svg',
    'angular-per-checkpoint.svg',
  ],
  'mnist-spectra': ['mnist-spectrum-delta-pgd-linf.svg', 'mnist-radial-pgd-linf.svg'],
  steganography: ['steganography.svg'],
};

/** What issue 17 asks that this report does not measure yet (said on the page, not hidden). */
const NOT_COVERED = [
  "Brendel-Bethge L2/Linf attacks and the L1 attack's binary search in the spectra experiment (the paper's Figs 12-13 use them); only PGD Linf/L2/L1 presets run here.",
  "VGG19 is not in the model zoo, so Table 4's VGG19 row has no number of ours.",
  'The learning-dynamics claims (C1-C3) rest on one seed of a 1-layer bounded-width ReLU conv net (the paper: ResNet18); `--set spec=resnet8` runs the second reading, not yet run.',
  'C5 against test accuracy across checkpoints (its sign flips with the training budget at quick scale) is not reported yet; C5 here is at the best epoch.',
  'Each experiment trains its own models; a trained model is not yet shared between experiments (the sweep issue).',
];

/** Build the page from experiment runs (the first run of each experiment is used). `cost`: an optional Markdown section on the paper-scale cost. */
export function reproductionPage(runs: RunInput[], opts: { figureDir?: string; cost?: string } = {}): ReproductionPage {
  const by = (name: string): RunInput | undefined => runs.find((r) => r.result.experiment === name);
  const t1 = by('table1'),
    fn = by('fourier-norms') ?? t1,
    sp = by('spectra') ?? t1,
    dyn = by('dynamics'),
    st = by('steganography'),
    mn = by('mnist-spectra');
  const claims: ClaimRow[] = [c1(dyn), c2(dyn), c3(dyn), ...c4(fn), ...c5(sp), ...c6(t1), c7(st), c8(mn)];
  const figDir = opts.figureDir ?? 'reproduction';
  const figures: ReproductionPage['figures'] = [];
  const figLinks = (run: RunInput | undefined): string[] => {
    if (!run) return [];
    const files = FIGURES[run.result.experiment] ?? [];
    return files
      .filter((f) => run.result.figures.some((g) => g.file === f))
      .flatMap((f) => {
        const to = `${figDir}/${run.result.experiment}-${f}`;
        const caption = run.result.figures.find((g) => g.file === f)!.caption;
        figures.push({ from: `${run.relDir}/${f}`, to, caption });
        return [`![${caption}](${to})`, '', `*${caption}* (${run.result.scale} scale)`, ''];
      });
  };
  const scales = [...new Set(runs.map((r) => r.result.scale))];
  const runRows = runs.map((r) => [
    r.result.experiment,
    r.result.reproduces,
    r.result.scale,
    r.result.backend,
    `${(r.result.seconds / 60).toFixed(1)} min`,
    r.result.machine ? `${r.result.machine.cpus} × ${r.result.machine.cpuModel}, ${r.result.machine.runtime}` : '–',
    `\`${r.result.command ?? `ifrlab experiment ${r.result.experiment} --scale ${r.result.scale}`}\``,
    r.result.finishedAt.slice(0, 16),
  ]);
  const counts = (r: RunInput | undefined): string => {
    if (!r) return '';
    const res = r.result.result as Partial<ModelStudyResult>;
    if (!res.models) return '';
    const seeds = [...new Set(res.models.map((m) => seedsOf(m).length))];
    const imgs = res.models.flatMap((m) => seedsOf(m).flatMap((s) => Object.values(s.analyses).map((a) => a.used)));
    return `${r.result.experiment}: ${seeds.join('/')} seed(s) per model; ${Math.min(...imgs)}-${Math.max(...imgs)} images per statistic (successful attacks on correctly classified images among the first ${(r.result.config as { attackN?: number }).attackN} test images)`;
  };
  const md = [
    '# Reproduction report',
    '',
    `Generated by \`ifrlab report --reproduction\` from ${runs.length} run${runs.length === 1 ? '' : 's'} at **${scales.join(' and ')} scale**. ${scales.some((x) => x !== 'paper') ? "**Quick scale is not the paper's scale**: 1,500-3,000 training images, 2-4 epochs, 64 attacked test images (of which the successful attacks on correctly classified images count), 20-40 PGD steps, one to three seeds. By the rule below, a run at reduced scale gives no verdict, only a leaning (which way its interval points): every verdict on this page is _inconclusive_ for that reason. The paper-scale commands and their estimated cost are at the end. The run directories (checkpoints, parts) are not committed." : ''}`,
    '',
    '## Runs',
    '',
    mdTable(
      ['experiment', 'reproduces', 'scale', 'backend', 'wall time', 'machine', 'command', 'finished (UTC)'],
      runRows,
    ),
    '',
    ...[t1, by('fourier-norms'), by('spectra'), mn]
      .map(counts)
      .filter(Boolean)
      .map((l) => `- ${l}`),
    '',
    '## Verdict rule',
    '',
    'Every claim is written as "an effect > 0" and judged on the 95% interval of that effect:',
    '',
    '- **holds**: the whole interval is above 0; **does not hold**: the whole interval is at or below 0 (absent or reversed); **inconclusive**: the interval contains 0.',
    `- Whatever the interval says, the verdict is **inconclusive** when the evidence is below the bar: a run at a reduced scale (any scale but \`--scale paper\`), fewer than ${MIN_SEEDS} seeds for a training-dependent effect, or fewer than ${MIN_IMAGES} images for a per-image statistic (${DYNAMICS_MIN_IMAGES} image-seeds for the learning-dynamics claims; the paper used 100 images). The "leaning" column is what the interval alone says.`,
    `- A claim of no difference (C8) holds when the interval lies inside ±${C8_MARGIN} (share of δ's energy above H/4), does not hold when it lies entirely outside, and is inconclusive otherwise.`,
    '- A claim with several parts (models, depths, conditions) holds when every part holds, does not hold when any part does not hold, and is inconclusive otherwise. Where the paper is ambiguous, each reading is its own row (C4a-c, C6a-b, C5 per attack); none is picked.',
    `- Intervals: percentile bootstrap (${BOOT.resamples} resamples, seed ${BOOT.seed}). Per-image statistics with several seeds: seeds are resampled, then images within each seed (src/lab/stats/intervals.ts); differences between two models resample both independently. Training-only numbers (accuracy, Table 2) are mean ± sample std over seeds.`,
    '',
    '## Claims',
    '',
    mdTable(
      ['claim', 'the paper says', 'verdict', 'leaning', 'measured (95% interval)', 'why', 'scale and command'],
      claims.map((c) => {
        const base = CLAIMS[c.id.slice(0, 2)];
        return [
          c.id,
          `${base.text} (${base.source})`,
          `**${c.verdict.verdict}**`,
          c.verdict.leaning,
          c.measure,
          c.verdict.reason,
          runLine(c.run),
        ];
      }),
    ),
    '',
    '## Table 1: Spearman correlation of β̂ and δ̂',
    '',
    `Paper: ${SOURCES['Table 1'].where}, line ${SOURCES['Table 1'].line} of the stored text. ${t1 ? `Run: ${runLine(t1)}.` : ''}`,
    '',
    table1(t1),
    '',
    '## Table 2: steganography',
    '',
    `Paper: ${SOURCES['Table 2'].where}, line ${SOURCES['Table 2'].line}. Test accuracy %, mean ± std over seeds (count in parentheses). ${st ? `Run: ${runLine(st)}.` : ''}`,
    '',
    table2(st),
    '',
    '## Table 3: Fourier norms, linear models',
    '',
    `Paper: ${SOURCES['Table 3'].where}, line ${SOURCES['Table 3'].line} (mean ± std over images). Ours: mean [95% interval of the mean], NumPy fft2 scale, grey images. ${fn ? `Run: ${runLine(fn)}.` : ''}`,
    '',
    normTable(fn, 'linear'),
    '',
    '## Table 4: Fourier norms of δ̂, nonlinear models',
    '',
    `Paper: ${SOURCES['Table 4'].where}, line ${SOURCES['Table 4'].line}.`,
    '',
    normTable(fn, 'relu'),
    '',
    '## Table 6: test accuracy',
    '',
    `Paper: ${SOURCES['Table 6'].where}, line ${SOURCES['Table 6'].line}. The best test epoch of each run, as the paper.`,
    '',
    table6(runs),
    '',
    '## Figures 2, 3, 4, 6, 7: learning dynamics',
    '',
    `Paper: Fig 2 line ${SOURCES['Fig 2'].line}, Fig 3 line ${SOURCES['Fig 3'].line}, Fig 4 line ${SOURCES['Fig 4'].line}, Figs 6-7 lines ${SOURCES['Fig 6'].line}-${SOURCES['Fig 7'].line}. ${dyn ? `Run: ${runLine(dyn)}.` : ''}`,
    '',
    dynamicsTable(dyn),
    '',
    ...figLinks(dyn),
    '## Figure 5 (and 12, 13): spectra of δ and β',
    '',
    `Paper: ${SOURCES['Fig 5'].where}, line ${SOURCES['Fig 5'].line}; figures only. Our number for it: the share of δ's energy above k_r = H/4, per model (C5). Spectra panels share one colour scale; radial energy is on a log axis; angular bins are 9 degrees wide and centred on multiples of 9, so the axes and the 45-degree diagonals are bin centres.`,
    '',
    highShareTable(sp, 'spectra'),
    '',
    ...figLinks(t1),
    ...figLinks(by('spectra')),
    '## Figure 8a: MNIST',
    '',
    `Paper: ${SOURCES['Fig 8'].where}, line ${SOURCES['Fig 8'].line}; "no difference between MNIST models" (C8).`,
    '',
    highShareTable(mn, 'mnist-spectra'),
    '',
    ...figLinks(mn),
    '## Steganography figure',
    '',
    ...figLinks(st),
    ...(opts.cost ? ['## Paper scale: commands and estimated cost', '', opts.cost, ''] : []),
    '## Not covered yet',
    '',
    ...NOT_COVERED.map((l) => `- ${l}`),
    '',
  ].join('\n');
  return { markdown: md, figures };
}
