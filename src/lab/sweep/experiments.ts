// The paper experiments as cells. The model studies (table1, fourier-norms,
// spectra, mnist-spectra, quick-study) split into one train cell per model, one
// attack cell per model and attack, and a study cell that assembles the
// experiment's report from them; steganography splits into one train cell per
// model, condition and seed and a report cell, dynamics into one cell per seed
// (training and every checkpoint's measurements) and a report cell. The experiment code itself is unchanged: the study cell hands the
// finished models to it through its own resume cache.
import type { Experiment, Scale } from '../experiments/common.ts';
import type { ModelStudyConfig } from '../experiments/model-study.ts';
import type { DynamicsConfig } from '../experiments/dynamics.ts';
import { stegoRuns, type StegoConfig } from '../experiments/steganography.ts';
import { makeCell, type Cell } from './cell.ts';
import type { AttackCellConfig, StegoTrainCellConfig, StudyModelRef, TrainCellConfig } from './kinds.ts';

const MODEL_STUDIES = new Set(['table1', 'fourier-norms', 'spectra', 'mnist-spectra', 'quick-study']);

export function experimentCells(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any experiment of the registry
  exp: Experiment<any, any>,
  cfg: unknown,
  o: { scale: Scale; seed: number; data?: string },
): Cell[] {
  const base = {
    experiment: exp.name,
    scale: o.scale,
    seed: o.seed,
    ...(o.data !== undefined ? { data: o.data } : {}),
  };
  if (exp.name === 'steganography') return stegoCells(cfg as StegoConfig, base);
  if (exp.name === 'dynamics') return dynamicsCells(cfg as DynamicsConfig, base);
  if (!MODEL_STUDIES.has(exp.name))
    return [makeCell('experiment', `${exp.name} (${o.scale})`, { ...base, config: cfg })];
  const c = cfg as ModelStudyConfig;
  const cells: Cell[] = [];
  const deps: Cell[] = [];
  const models: StudyModelRef[] = [];
  for (const m of c.models) {
    for (let k = 0; k < (m.seeds ?? c.seeds ?? 1); k++) {
      const seed = c.seed + k; // runModelStudy's seeds
      const tc: TrainCellConfig = {
        data: c.data,
        trainLimit: c.trainLimit,
        testLimit: c.testLimit,
        spec: m.spec,
        lr: m.lr,
        epochs: m.epochs ?? c.epochs,
        batchSize: c.batchSize,
        momentum: c.momentum,
        weightDecay: c.weightDecay,
        schedule: c.schedule,
        seed,
      };
      const train = makeCell(
        'train',
        `train ${m.spec} on ${c.data} seed ${seed}`,
        tc as unknown as Record<string, unknown>,
      );
      cells.push(train);
      const ref: StudyModelRef = { spec: m.spec, seed, train: deps.push(train) - 1, attacks: {} };
      for (const a of c.attacks) {
        const ac: AttackCellConfig = {
          data: c.data,
          attackN: c.attackN,
          attack: a,
          seed,
          chunk: m.attackChunk ?? c.attackChunk,
        };
        const atk = makeCell(
          'attack',
          `${a.name} on ${m.spec} (${c.data}, seed ${seed})`,
          ac as unknown as Record<string, unknown>,
          [train],
        );
        cells.push(atk);
        ref.attacks[a.name] = deps.push(atk) - 1;
      }
      models.push(ref);
    }
  }
  cells.push(
    makeCell(
      'study',
      `${exp.name} report (${o.scale})`,
      { ...base, config: c, models } as unknown as Record<string, unknown>,
      deps,
    ),
  );
  return cells;
}

function stegoCells(cfg: StegoConfig, base: Record<string, unknown>): Cell[] {
  const { models: _m, conditions: _c, seeds: _s, seed: _seed, ...settings } = cfg;
  const runs = stegoRuns(cfg);
  const trains = runs.map((run) =>
    makeCell('stego-train', `train ${run.model.spec} on ${cfg.data} ${run.condition.name} seed ${run.seed}`, {
      config: settings,
      run,
    } satisfies StegoTrainCellConfig as unknown as Record<string, unknown>),
  );
  return [
    ...trains,
    makeCell('stego-report', `steganography report (${String(base.scale)})`, { ...base, config: cfg, runs }, trains),
  ];
}

function dynamicsCells(cfg: DynamicsConfig, base: Record<string, unknown>): Cell[] {
  const { seeds: _seeds, ...one } = cfg;
  const seeds = Array.from({ length: cfg.seeds ?? 1 }, (_, k) =>
    makeCell('dynamics-seed', `dynamics ${cfg.spec} on ${cfg.data} seed ${cfg.seed + k}`, {
      config: { ...one, seed: cfg.seed + k },
    }),
  );
  return [
    ...seeds,
    makeCell('dynamics-report', `dynamics report (${String(base.scale)})`, { ...base, config: cfg }, seeds),
  ];
}
