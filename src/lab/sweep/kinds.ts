// What each kind of cell does. A kind reads its configuration and the results
// of its dependencies and returns a JSON result; its files go to its work
// directory, which survives a killed attempt (training resumes from its last
// checkpoint there). Results hold no timings, so a rerun anywhere gives the
// same bytes; timings go to meta.json.
import { join, relative } from 'node:path';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Cell } from './cell.ts';
import type { Store } from './store.ts';
import { nodeIO, part, type Experiment, type ExperimentContext, type Scale } from '../experiments/common.ts';
import { openDataset } from '../experiments/common.ts';
import { splitToBatch } from '../experiments/pipeline.ts';
import { trainedModel, type AttackEntry, type ModelStudyConfig, type SeedRun } from '../experiments/model-study.ts';
import { analyseModel, type FourierAnalysis } from '../experiments/pipeline.ts';
import { paperKey } from '../experiments/paper.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import { mdTable } from '../report/markdown.ts';
import {
  dynamics,
  dynamicsReport,
  runDynamics,
  type DynamicsConfig,
  type DynamicsResult,
} from '../experiments/dynamics.ts';
import {
  stegoAccuracy,
  stegoData,
  stegoPartKey,
  type StegoConfig,
  type StegoRun,
} from '../experiments/steganography.ts';

export interface CellRun {
  cell: Cell;
  store: Store;
  /** The cell's work directory. */
  work: string;
  dataDir?: string;
  progress: (label: string, done: number, total: number) => void;
  log: (msg: string) => void;
}

export interface CellKind {
  run(r: CellRun): Promise<unknown>;
  /** Where a new attempt would resume from (null: from scratch). */
  resumePoint?(work: string): string | null;
}

/** Training settings of one model (a ModelStudyConfig without the model list and the attacks). */
export interface TrainCellConfig {
  data: string;
  trainLimit?: number;
  testLimit?: number;
  spec: string;
  lr: number;
  epochs: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  schedule: string;
  seed: number;
}
export interface TrainCellResult {
  spec: string;
  paperKey: string;
  act: 'linear' | 'relu';
  trainLoss: number[];
  testAccuracy: number;
  lr: number;
  /** The run's directory and its best checkpoint, relative to the work directory (mount points differ between hosts). */
  run: string;
  checkpoint: string;
}
/** `chunk`: images per attack chunk (as the study's attackChunk); each finished chunk is kept in the work directory, so a second attempt resumes. */
export interface AttackCellConfig {
  data: string;
  attackN: number;
  attack: AttackEntry;
  seed: number;
  chunk?: number;
}

function experimentContext(
  r: CellRun,
  out: string,
  seed: number,
  scale: Scale = 'quick',
  data?: string,
): ExperimentContext {
  return { out, scale, io: undefined as never, dataDir: r.dataDir, data, seed, progress: r.progress, log: r.log };
}
async function withIO(ctx: ExperimentContext): Promise<ExperimentContext> {
  return { ...ctx, io: await nodeIO() };
}

const dep = <T>(r: CellRun, i: number): { result: T; work: string } => ({
  result: r.store.result<T>(r.cell.deps[i]),
  work: r.store.workDir(r.cell.deps[i]),
});

const train: CellKind = {
  async run(r) {
    const c = r.cell.config as unknown as TrainCellConfig;
    const ctx = await withIO(experimentContext(r, r.work, c.seed));
    const ds = await openDataset(ctx, c.data);
    const study: ModelStudyConfig = { ...c, models: [], attacks: [], attackN: 0 };
    const t = await trainedModel(study, { spec: c.spec, lr: c.lr }, c.seed, ctx, ds);
    (t.model as { dispose?: () => void }).dispose?.();
    const pk = paperKey(c.spec);
    const res: TrainCellResult = {
      spec: c.spec,
      paperKey: pk.key,
      act: pk.act,
      trainLoss: t.trainLoss,
      testAccuracy: t.testAccuracy,
      lr: t.lr,
      run: relative(r.work, t.runDir),
      checkpoint: relative(r.work, t.checkpoint),
    };
    return res;
  },
  resumePoint(work) {
    const models = join(work, 'models');
    if (!existsSync(models)) return null;
    for (const d of readdirSync(models)) {
      const p = join(models, d, 'log.json');
      if (!existsSync(p)) continue;
      const log = JSON.parse(readFileSync(p, 'utf8')) as { status: string; lastCheckpoint?: string | null };
      if (log.status !== 'done' && log.status !== 'diverged' && log.lastCheckpoint)
        return `${d} checkpoint ${log.lastCheckpoint}`;
    }
    return null;
  },
};

const attack: CellKind = {
  resumePoint(work) {
    const p = join(work, 'parts');
    const n = existsSync(p) ? readdirSync(p).filter((f) => f.startsWith('chunk-') && f.endsWith('.json')).length : 0;
    return n ? `${n} finished chunks` : null;
  },
  async run(r) {
    const c = r.cell.config as unknown as AttackCellConfig;
    const t = dep<TrainCellResult>(r, 0);
    const ctx = await withIO(experimentContext(r, r.work, c.seed));
    const ds = await openDataset(ctx, c.data);
    const batch = splitToBatch(ds.test, ds.shape, c.attackN);
    const { model } = await loadCheckpoint(join(t.work, t.result.checkpoint));
    try {
      const res = await analyseModel(model, batch, c.attack, {
        seed: c.seed,
        chunk: c.chunk,
        cached: (key, fn) => part(ctx, `chunk-${key}`, fn),
        onProgress: (d, n) => r.progress(`attack ${c.attack.name} on ${t.result.spec}`, d, n),
      });
      return res.analysis;
    } finally {
      (model as { dispose?: () => void }).dispose?.();
    }
  },
};

/** One row of a grid sweep's table: which cells (by index into deps) hold the training and the attack. */
export interface CollectPoint {
  model: string;
  data: string;
  seed: number;
  attack: string;
  eps: number;
  train: number;
  analysis: number;
}

const collect: CellKind = {
  async run(r) {
    const pts = r.cell.config.points as CollectPoint[];
    const rows = pts.map((p) => {
      const t = dep<TrainCellResult>(r, p.train).result,
        a = dep<FourierAnalysis>(r, p.analysis).result;
      return {
        model: p.model,
        data: p.data,
        seed: p.seed,
        attack: p.attack,
        eps: p.eps,
        lr: t.lr,
        testAccuracy: t.testAccuracy,
        successRate: a.successRate,
        used: a.used,
        spearman: a.spearman.mean,
        deltaL2: a.deltaL2,
        highFrequencyShare: a.highFrequencyShare,
      };
    });
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
    const md = mdTable(
      ['model', 'data', 'seed', 'attack', 'eps', 'test acc', 'success', 'Spearman', '‖δ‖₂', 'δ energy k_r > H/4'],
      rows.map((x) => [
        x.model,
        x.data,
        String(x.seed),
        x.attack,
        String(x.eps),
        f(x.testAccuracy),
        f(x.successRate),
        f(x.spearman),
        f(x.deltaL2),
        f(x.highFrequencyShare),
      ]),
    );
    writeFileSync(join(r.work, 'summary.md'), `# Sweep ${String(r.cell.config.name)}\n\n${md}\n`);
    return { name: r.cell.config.name, rows, table: md };
  },
};

/** A model-study experiment (table1, ...) assembled from its train and attack cells, then run as usual. */
export interface StudyModelRef {
  spec: string;
  seed: number;
  train: number;
  attacks: Record<string, number>;
}

const study: CellKind = {
  async run(r) {
    const c = r.cell.config as {
      experiment: string;
      scale: Scale;
      seed: number;
      data?: string;
      config: ModelStudyConfig;
      models: StudyModelRef[];
    };
    const ctx = await withIO(experimentContext(r, join(r.work, 'out'), c.seed, c.scale, c.data));
    for (const m of c.models) {
      const t = dep<TrainCellResult>(r, m.train);
      const log = JSON.parse(readFileSync(join(t.work, t.result.run, 'log.json'), 'utf8')) as { wallSeconds: number };
      const analyses: Record<string, FourierAnalysis> = {};
      for (const [name, i] of Object.entries(m.attacks)) analyses[name] = dep<FourierAnalysis>(r, i).result;
      const run: SeedRun = {
        seed: m.seed,
        testAccuracy: t.result.testAccuracy,
        trainLoss: t.result.trainLoss,
        trainSeconds: log.wallSeconds,
        lr: t.result.lr,
        analyses,
      };
      // the study's own resume cache (runModelStudy's part keys): it finds every model and seed done
      await part(ctx, `model-${m.spec}${m.seed === c.config.seed ? '' : `-seed${m.seed}`}`, async () => run);
    }
    return runWhole(c, ctx);
  },
};

/** Any experiment as one cell (its parts cache in the work directory makes a second attempt resume). */
const experiment: CellKind = {
  async run(r) {
    const c = r.cell.config as { experiment: string; scale: Scale; seed: number; data?: string; config: unknown };
    return runWhole(c, await withIO(experimentContext(r, join(r.work, 'out'), c.seed, c.scale, c.data)));
  },
  resumePoint(work) {
    const p = join(work, 'out', 'parts');
    const n = existsSync(p) ? readdirSync(p).filter((f) => f.endsWith('.json')).length : 0;
    return n ? `${n} finished parts` : null;
  },
};

/** One training run of the steganography experiment (Table 2): its training settings (no model list, conditions or seeds) and the run. */
export interface StegoTrainCellConfig {
  config: Omit<StegoConfig, 'models' | 'conditions' | 'seeds' | 'seed'>;
  run: StegoRun;
}

const stegoTrain: CellKind = {
  async run(r) {
    const c = r.cell.config as unknown as StegoTrainCellConfig;
    const cfg: StegoConfig = {
      ...c.config,
      models: [c.run.model],
      conditions: [c.run.condition],
      seeds: 1,
      seed: c.run.seed,
    };
    const ctx = await withIO(experimentContext(r, r.work, c.run.seed));
    r.progress(`train ${c.run.model.spec} ${c.run.condition.name} seed ${c.run.seed}`, 0, 1);
    return stegoAccuracy(cfg, c.run, ctx, await stegoData(cfg, ctx)(c.run));
  },
  resumePoint: (work) => train.resumePoint!(work),
};

/** The steganography report from its train cells (deps in stegoRuns order): their accuracies fill the experiment's resume cache, then it runs as usual. */
const stegoReport: CellKind = {
  async run(r) {
    const c = r.cell.config as {
      experiment: string;
      scale: Scale;
      seed: number;
      data?: string;
      config: StegoConfig;
      runs: StegoRun[];
    };
    const ctx = await withIO(experimentContext(r, join(r.work, 'out'), c.seed, c.scale, c.data));
    for (const [i, run] of c.runs.entries()) await part(ctx, stegoPartKey(run), async () => dep<number>(r, i).result);
    return runWhole(c, ctx);
  },
};

/** One seed of the dynamics experiment: its configuration with that seed and no seed count. */
const dynamicsSeed: CellKind = {
  async run(r) {
    const cfg = r.cell.config.config as DynamicsConfig;
    return runDynamics(cfg, await withIO(experimentContext(r, r.work, cfg.seed)));
  },
  resumePoint(work) {
    const p = join(work, 'parts');
    const n = existsSync(p) ? readdirSync(p).filter((f) => f.endsWith('.json')).length : 0;
    return n ? `${n} finished parts` : existsSync(join(work, 'training')) ? 'training checkpoints' : null;
  },
};

/** The dynamics report from its seed cells (deps in seed order), through the experiment's own dynamicsReport. */
const dynamicsReportKind: CellKind = {
  async run(r) {
    const c = r.cell.config as {
      experiment: string;
      scale: Scale;
      seed: number;
      data?: string;
      config: DynamicsConfig;
    };
    const runs = r.cell.deps.map((_, i) => dep<DynamicsResult>(r, i).result);
    const ctx = await withIO(experimentContext(r, join(r.work, 'out'), c.seed, c.scale, c.data));
    return runWhole(c, ctx, { ...dynamics, run: async (cfg) => dynamicsReport(cfg, runs) });
  },
};

async function runWhole(
  c: { experiment: string; config: unknown },
  ctx: ExperimentContext,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any experiment of the registry
  given?: Experiment<any, any>,
): Promise<unknown> {
  const { EXPERIMENTS, runExperiment } = await import('../experiments/index.ts');
  const exp = given ?? EXPERIMENTS[c.experiment];
  if (!exp) throw new Error(`unknown experiment '${c.experiment}'`);
  const file = await runExperiment(exp, ctx, () => c.config);
  return {
    experiment: c.experiment,
    summary: file.summary ?? null,
    result: 'work/out/result.json',
    report: 'work/out/report.md',
  };
}

export const KINDS: Record<string, CellKind> = {
  train,
  attack,
  collect,
  study,
  experiment,
  'stego-train': stegoTrain,
  'stego-report': stegoReport,
  'dynamics-seed': dynamicsSeed,
  'dynamics-report': dynamicsReportKind,
};
