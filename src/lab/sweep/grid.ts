// User-defined grids: models x data x seeds x attacks x eps, in a small JSON
// file, expanded into train cells (one per model, data set and seed), attack
// cells (one per trained model, attack and eps) and one collect cell (the table).
import type { PGDOptions } from '../attacks/pgd.ts';
import { attackNorm } from '../attacks/named.ts';
import { makeCell, type Cell } from './cell.ts';
import type { AttackCellConfig, CollectPoint, TrainCellConfig } from './kinds.ts';

export interface GridFile {
  name: string;
  data: string | string[];
  models: (string | { spec: string; lr?: number; epochs?: number })[];
  seeds?: number[];
  train?: Partial<Omit<TrainCellConfig, 'data' | 'spec' | 'seed'>>;
  /** An attack of the registry by `name` (eps from the grid's list), or PGD in the given `norm`. */
  attacks: {
    norm?: PGDOptions['norm'];
    steps?: number;
    relStepsize?: number;
    absStepsize?: number;
    randomStart?: boolean;
    loss?: PGDOptions['loss'];
    name?: string;
  }[];
  eps: number[];
  attackN?: number;
}

const TRAIN_DEFAULTS = { lr: 0.01, epochs: 2, batchSize: 64, momentum: 0.9, weightDecay: 0, schedule: 'step:0.3:4' };
const KEYS = ['name', 'data', 'models', 'seeds', 'train', 'attacks', 'eps', 'attackN'];
const TRAIN_KEYS = ['lr', 'epochs', 'batchSize', 'momentum', 'weightDecay', 'schedule', 'trainLimit', 'testLimit'];

/** Check a parsed grid file and say exactly what is wrong. */
export function checkGrid(g: unknown, file = 'grid'): GridFile {
  const bad = (m: string): never => {
    throw new Error(`${file}: ${m}`);
  };
  if (!g || typeof g !== 'object' || Array.isArray(g)) bad('expected a JSON object');
  const o = g as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) bad(`unknown key '${k}' (keys: ${KEYS.join(', ')})`);
  if (typeof o.name !== 'string' || !o.name) bad("'name' must be a non-empty string");
  const data = typeof o.data === 'string' ? [o.data] : o.data;
  if (!Array.isArray(data) || !data.length || !data.every((d) => typeof d === 'string'))
    bad("'data' must be a data set name or a list of them");
  if (!Array.isArray(o.models) || !o.models.length) bad("'models' must be a non-empty list of specs");
  if (!Array.isArray(o.attacks) || !o.attacks.length)
    bad('\'attacks\' must be a non-empty list like [{"norm": "linf", "steps": 20}]');
  for (const a of o.attacks as Record<string, unknown>[]) {
    if (typeof a?.name === 'string') {
      let norm: string;
      try {
        norm = attackNorm(a.name);
      } catch (e) {
        bad((e as Error).message);
      }
      if (a.norm !== undefined && a.norm !== norm!)
        bad(`attack '${a.name}' is measured in ${norm!}, not ${String(a.norm)}`);
    } else if (!['linf', 'l2', 'l1'].includes(a?.norm as string))
      bad(
        `attack ${JSON.stringify(a)}: give 'name' (an attack of the registry, e.g. pgd-linf, apgd-ce-linf) or 'norm' (linf, l2 or l1: PGD)`,
      );
  }
  if (!Array.isArray(o.eps) || !o.eps.length || !o.eps.every((e) => typeof e === 'number' && e > 0))
    bad("'eps' must be a non-empty list of positive numbers");
  if (o.seeds !== undefined && !(Array.isArray(o.seeds) && o.seeds.every(Number.isInteger)))
    bad("'seeds' must be a list of integers");
  for (const k of Object.keys((o.train as object) ?? {}))
    if (!TRAIN_KEYS.includes(k)) bad(`unknown training setting '${k}' (settings: ${TRAIN_KEYS.join(', ')})`);
  return o as unknown as GridFile;
}

export function gridCells(g: GridFile): Cell[] {
  const data = typeof g.data === 'string' ? [g.data] : g.data;
  const seeds = g.seeds ?? [0];
  const attackN = g.attackN ?? 64;
  const cells: Cell[] = [];
  const deps: Cell[] = [];
  const points: CollectPoint[] = [];
  const idx = (c: Cell): number => {
    const i = deps.indexOf(c);
    return i >= 0 ? i : deps.push(c) - 1;
  };
  for (const d of data)
    for (const m of g.models)
      for (const seed of seeds) {
        const spec = typeof m === 'string' ? m : m.spec;
        const over =
          typeof m === 'string'
            ? {}
            : { ...(m.lr !== undefined ? { lr: m.lr } : {}), ...(m.epochs !== undefined ? { epochs: m.epochs } : {}) };
        const tc: TrainCellConfig = { ...TRAIN_DEFAULTS, ...g.train, ...over, data: d, spec, seed };
        const train = makeCell('train', `train ${spec} on ${d} seed ${seed}`, tc as unknown as Record<string, unknown>);
        cells.push(train);
        for (const a of g.attacks)
          for (const eps of g.eps) {
            const name = `${a.name ?? `pgd-${a.norm}`}`;
            const ac: AttackCellConfig = {
              data: d,
              attackN,
              seed,
              attack: { name, opts: { ...a, eps, name } as PGDOptions },
            };
            const atk = makeCell(
              'attack',
              `${name} eps ${eps} on ${spec} (${d}, seed ${seed})`,
              ac as unknown as Record<string, unknown>,
              [train],
            );
            cells.push(atk);
            points.push({ model: spec, data: d, seed, attack: name, eps, train: idx(train), analysis: idx(atk) });
          }
      }
  cells.push(
    makeCell(
      'collect',
      `table of ${g.name}`,
      { name: g.name, points: points as unknown as Record<string, unknown>[] } as Record<string, unknown>,
      deps,
    ),
  );
  return cells;
}
