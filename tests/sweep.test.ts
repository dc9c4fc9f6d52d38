// Sweeps as content-addressed cells: canonical hashing, dependency order, the
// embedded local runner (resume, crash handoff, failures) and the distributed
// mode on BullMQ with a real redis-server (skipped, saying why, when the binary
// is missing). The cells are tiny real ones: training on synthetic data, PGD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJSON, contentHash } from '../src/lab/sweep/hash.ts';
import { makeCell, topoOrder, type Cell } from '../src/lab/sweep/cell.ts';
import { checkGrid, gridCells, type GridFile } from '../src/lab/sweep/grid.ts';
import { runLocal } from '../src/lab/sweep/local.ts';
import { Store } from '../src/lab/sweep/store.ts';
import { experimentCells } from '../src/lab/sweep/experiments.ts';
import { table1 } from '../src/lab/experiments/paper-tables.ts';
import { nodeIO, runExperiment } from '../src/lab/experiments/index.ts';
import type { ModelStudyConfig } from '../src/lab/experiments/model-study.ts';
import { dynamics, type DynamicsConfig } from '../src/lab/experiments/dynamics.ts';
import { steganographyExperiment, type StegoConfig } from '../src/lab/experiments/steganography.ts';
import { CellLock, isStale } from '../src/lab/sweep/lock.ts';
import { createWasmBackend } from '../src/engine/backends/wasm/index.ts';
import { setBackend } from '../src/engine/backends/registry.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ifrlab-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// bwc trains long enough (8 epochs, a checkpoint after each) to be killed in the middle
const GRID: GridFile = {
  name: 'test-grid',
  data: 'synthetic:train=256,test=32',
  models: ['fc-w32-d1-linear', { spec: 'bwc-k3-c8-d1-relu', epochs: 8, lr: 0.002 }],
  train: { epochs: 2, batchSize: 32 },
  attacks: [{ norm: 'linf', steps: 5, absStepsize: 0.004 }],
  eps: [0.01, 0.03],
  attackN: 8,
};
const cells = gridCells(GRID);
const bwcTrain = cells.find((c) => c.kind === 'train' && c.config.spec === 'bwc-k3-c8-d1-relu')!;
const OPTS = { backend: 'wasm', log: () => {} };
const BAD: GridFile = {
  ...GRID,
  name: 'bad',
  data: 'synthetic:train=128,test=32',
  models: ['fc-w32-d1-linear', 'nope-w3'],
  eps: [0.01],
};

const resultBytes = (dir: string, id: string) => readFileSync(join(dir, 'cells', id, 'result.json'));
function expectSameResults(a: string, b: string): void {
  for (const c of cells) expect(resultBytes(b, c.id).equals(resultBytes(a, c.id)), `${c.label} differs`).toBe(true);
}
function expectFinishedOnce(dir: string): void {
  const s = new Store(dir);
  for (const c of cells) expect(s.attempts(c.id).filter((a) => a.event === 'finish').length, c.label).toBe(1);
}
/** Poll until the bwc training has written its first checkpoint and is still running. */
async function untilMidTraining(store: string): Promise<void> {
  const log = join(store, 'cells', bwcTrain.id, 'work', 'models', 'bwc-k3-c8-d1-relu', 'log.json');
  for (let i = 0; i < 3000; i++) {
    if (existsSync(log)) {
      const l = JSON.parse(readFileSync(log, 'utf8'));
      if (l.status === 'running' && l.lastCheckpoint && l.lastCheckpoint !== 'epoch-000') return;
      if (l.status === 'done') throw new Error('training finished before it could be killed');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('training never started');
}

describe('cell identity', () => {
  it('hashes the canonical configuration: key order is irrelevant, any changed setting or version is a new cell', () => {
    expect(canonicalJSON({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' }, u: undefined })).toBe(
      '{"a":{"c":"z","d":[1,{"x":1,"y":2}]},"b":1}',
    );
    const a = makeCell('train', 'x', { spec: 'fc-w32-d1-linear', lr: 0.01, epochs: 2 });
    const b = makeCell('train', 'another label', { epochs: 2, lr: 0.01, spec: 'fc-w32-d1-linear' });
    expect(b.id).toBe(a.id);
    expect(makeCell('train', 'x', { spec: 'fc-w32-d1-linear', lr: 0.02, epochs: 2 }).id).not.toBe(a.id);
    expect(makeCell('attack', 'x', { spec: 'fc-w32-d1-linear', lr: 0.01, epochs: 2 }).id).not.toBe(a.id);
    expect(contentHash({ x: 1 }, '0.1.0')).not.toBe(contentHash({ x: 1 }, '0.1.1'));
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(() => canonicalJSON({ x: NaN })).toThrow(/no JSON form/);
  });

  it('a changed upstream setting changes every cell downstream, and only those', () => {
    const other = gridCells({ ...GRID, train: { ...GRID.train, epochs: 3 } });
    const ids = new Set(cells.map((c) => c.id));
    const byKind = (cs: Cell[], k: string) => cs.filter((c) => c.kind === k);
    // fc's epochs changed (bwc sets its own): fc train and its attacks and the table are new; bwc's cells are the same
    expect(
      byKind(other, 'train')
        .filter((c) => ids.has(c.id))
        .map((c) => c.config.spec),
    ).toEqual(['bwc-k3-c8-d1-relu']);
    expect(byKind(other, 'attack').filter((c) => ids.has(c.id)).length).toBe(2);
    expect(ids.has(byKind(other, 'collect')[0].id)).toBe(false);
  });

  it('a grid expands to models x seeds train cells, x attacks x eps attack cells, one table; bad files are named', () => {
    expect(cells.map((c) => c.kind).sort()).toEqual([
      'attack',
      'attack',
      'attack',
      'attack',
      'collect',
      'train',
      'train',
    ]);
    expect(cells.filter((c) => c.kind === 'attack' && c.deps[0] === bwcTrain.id).length).toBe(2);
    expect(gridCells({ ...GRID, seeds: [0, 1, 2] }).filter((c) => c.kind === 'train').length).toBe(6);
    expect(() => checkGrid({ ...GRID, epochs: 3 }, 'g.json')).toThrow(/g.json: unknown key 'epochs'/);
    expect(() => checkGrid({ ...GRID, attacks: [{ norm: 'l3' as never }] })).toThrow(/give 'name' .* or 'norm'/);
    expect(() => checkGrid({ ...GRID, attacks: [{ name: 'pgd-linfinity' }] })).toThrow(
      /unknown attack 'pgd-linfinity'/,
    );
    expect(() => checkGrid({ ...GRID, attacks: [{ name: 'pgd-l2', norm: 'linf' }] })).toThrow(
      /measured in l2, not linf/,
    );
    expect(checkGrid({ ...GRID, attacks: [{ name: 'pgd-l2', steps: 3 }] }).attacks[0].name).toBe('pgd-l2');
  });

  it('topological order puts every cell after its dependencies and rejects cycles', () => {
    const order = topoOrder([...cells].reverse());
    const pos = new Map(order.map((c, i) => [c.id, i]));
    for (const c of order) for (const d of c.deps) expect(pos.get(d)!).toBeLessThan(pos.get(c.id)!);
    const x: Cell = { id: 'x', kind: 'k', label: 'x', config: {}, deps: ['y'] },
      y: Cell = { id: 'y', kind: 'k', label: 'y', config: {}, deps: ['x'] };
    expect(() => topoOrder([x, y])).toThrow(/cycle/);
  });

  it('a cell lock has one holder; a dead holder or an old heartbeat makes it stale', () => {
    const dir = join(tmp, 'lock');
    new Store(dir).put(makeCell('k', 'l', {}));
    const cdir = join(dir, 'cells', makeCell('k', 'l', {}).id);
    const a = CellLock.acquire(cdir);
    expect(a).toBeInstanceOf(CellLock);
    const b = CellLock.acquire(cdir);
    expect('busy' in b && b.busy.pid).toBe(process.pid);
    (a as CellLock).release();
    const c = CellLock.acquire(cdir);
    expect(c).toBeInstanceOf(CellLock);
    (c as CellLock).release();
    const h = { host: 'elsewhere', pid: 1, ppid: 0, token: 't', heartbeat: Date.now() };
    expect(isStale(h, 60_000)).toBe(false);
    expect(isStale({ ...h, heartbeat: Date.now() - 120_000 }, 60_000)).toBe(true);
    const dead = spawn(process.execPath, ['-e', '0']);
    return new Promise<void>((res) =>
      dead.once('exit', () => {
        expect(isStale({ ...h, host: hostname(), pid: dead.pid! }, 60_000)).toBe(true);
        res();
      }),
    );
  });

  it('table1 becomes one train and one attack cell per model and a report cell needing all of them', () => {
    const cfg = table1.config('quick', { seed: 0 } as never);
    const cs = experimentCells(table1, cfg, { scale: 'quick', seed: 0 });
    expect(cs.filter((c) => c.kind === 'train').length).toBe(14);
    expect(cs.filter((c) => c.kind === 'attack').length).toBe(14);
    const study = cs.find((c) => c.kind === 'study')!;
    expect(study.deps.length).toBe(28);
  });
});

const ref = join(tmp, 'ref');

describe('embedded local runner', () => {
  it('an experiment run as cells gives the same result as `ifrlab experiment` in one process (table1, one model)', async () => {
    process.env.IFRLAB_WASM_THREADS = '1';
    await setBackend(await createWasmBackend({ threads: 1 }));
    const cfg: ModelStudyConfig = {
      ...table1.config('quick', { seed: 0 } as never),
      data: 'synthetic:train=128,test=32',
      trainLimit: 128,
      testLimit: 32,
      epochs: 1,
      attackN: 8,
      models: [{ spec: 'fc-w32-d1-relu', lr: 0.01 }],
    };
    const cs = experimentCells(table1, cfg, { scale: 'quick', seed: 0 });
    const dir = join(tmp, 'study');
    expect((await runLocal(dir, cs, { ...OPTS, workers: 1 })).done.length).toBe(3);
    const viaCells = JSON.parse(readFileSync(join(dir, 'cells', cs[2].id, 'work', 'out', 'result.json'), 'utf8'));
    const whole = await runExperiment(
      table1,
      { out: join(tmp, 'whole'), scale: 'quick', io: await nodeIO(), seed: 0, progress: () => {}, log: () => {} },
      () => cfg,
    );
    type Timed = { trainSeconds?: number; seeds?: { trainSeconds?: number }[] };
    const strip = (r: { models: Timed[] }) => ({
      ...r,
      models: r.models.map((m) => ({ ...m, trainSeconds: 0, seeds: m.seeds?.map((x) => ({ ...x, trainSeconds: 0 })) })),
    });
    expect(strip(viaCells.result)).toEqual(strip(whole.result as never));
    expect(viaCells.result.models[0].analyses['pgd-linf'].attacked).toBe(8);
  });

  it('steganography as cells: one independent train cell per model x condition x seed, and the report equals the one-process run', async () => {
    process.env.IFRLAB_WASM_THREADS = '1';
    await setBackend(await createWasmBackend({ threads: 1 }));
    const cfg: StegoConfig = {
      ...steganographyExperiment.config('quick', { seed: 3 } as never),
      data: 'synthetic:train=256,test=64',
      trainLimit: 256,
      testLimit: 64,
      seeds: 2,
      epochs: 2,
      batchSize: 32,
      models: [
        { key: 'fc-linear', spec: 'fc-w16-d1-linear', lr: 0.05 },
        { key: 'bwc-linear', spec: 'bwc-k3-c4-d1-linear', lr: 0.01 },
      ],
    };
    const cs = experimentCells(steganographyExperiment, cfg, { scale: 'quick', seed: 3 });
    const trains = cs.filter((c) => c.kind === 'stego-train'),
      report = cs[cs.length - 1];
    expect(trains.length).toBe(2 * 3 * 2);
    for (const c of trains) expect(c.deps).toEqual([]);
    expect(new Set(trains.map((c) => c.id)).size).toBe(12);
    expect(report.kind).toBe('stego-report');
    expect(report.deps).toEqual(trains.map((c) => c.id));
    // a third model adds cells and leaves the existing train cells as they are
    const more = experimentCells(
      steganographyExperiment,
      { ...cfg, models: [...cfg.models, { key: 'fwc-linear', spec: 'fwc-k3-c2-d1-linear', lr: 0.002 }] },
      { scale: 'quick', seed: 3 },
    );
    expect(trains.every((c) => more.some((m) => m.id === c.id))).toBe(true);
    const dir = join(tmp, 'stego');
    const sum = await runLocal(dir, cs, { ...OPTS, workers: 2 });
    expect(sum.failed).toEqual([]);
    expect(sum.done.length).toBe(13);
    const viaCells = JSON.parse(readFileSync(join(dir, 'cells', report.id, 'work', 'out', 'result.json'), 'utf8'));
    const whole = await runExperiment(
      steganographyExperiment,
      { out: join(tmp, 'stego-whole'), scale: 'quick', io: await nodeIO(), seed: 3, progress: () => {}, log: () => {} },
      () => cfg,
    );
    expect(viaCells.result).toEqual(whole.result);
    expect(viaCells.config).toEqual(whole.config);
    expect(new Store(dir).result<{ summary: string }>(report.id).summary).toBe(whole.summary);
    const untimed = (d: string) =>
      readFileSync(join(d, 'report.md'), 'utf8').replace(/Wall time of this run: \d+ s/, '');
    expect(untimed(join(dir, 'cells', report.id, 'work', 'out'))).toBe(untimed(join(tmp, 'stego-whole')));
    expect(readFileSync(join(dir, 'cells', report.id, 'work', 'out', 'steganography.svg'), 'utf8')).toBe(
      readFileSync(join(tmp, 'stego-whole', 'steganography.svg'), 'utf8'),
    );
    const acc = (whole.result as { accuracy: Record<string, Record<string, number[]>> }).accuracy;
    // the pattern changes what is learnt, so a cell that ignored its condition would show here
    expect(acc['bwc-linear'].base).not.toEqual(acc['bwc-linear']['eps=.25,rho=.2']);
    expect(
      Object.values(acc)
        .flatMap((m) => Object.values(m))
        .flat()
        .every((a) => a >= 0 && a <= 1),
    ).toBe(true);
    // each train cell's result is its run's accuracy, in the experiment's order
    const store = new Store(dir);
    expect(store.result<number>(trains[0].id)).toBe(acc['fc-linear'].base[0]);
    expect(store.result<number>(trains[trains.length - 1].id)).toBe(acc['bwc-linear']['eps=.25,rho=.1'][1]);
  }, 120_000);

  it('dynamics as cells: one independent cell per seed, and the report equals the one-process run', async () => {
    process.env.IFRLAB_WASM_THREADS = '1';
    await setBackend(await createWasmBackend({ threads: 1 }));
    const cfg: DynamicsConfig = {
      ...dynamics.config('quick', { seed: 5 } as never),
      data: 'synthetic:train=64,test=32',
      trainLimit: 64,
      testLimit: 32,
      spec: 'bwc-k3-c2-d1-relu',
      epochs: 1,
      batchSize: 32,
      snapshots: 2,
      n: 3,
      points: 20,
      attack: { eps: 8 / 255, steps: 3, absStepsize: 2 / 255 },
      minimal: { steps: 2, relStepsize: 0.5, initEps: 1 / 255, bisectSteps: 2, maxExpand: 4 },
      seeds: 2,
    };
    const cs = experimentCells(dynamics, cfg, { scale: 'quick', seed: 5 });
    expect(cs.map((c) => c.kind)).toEqual(['dynamics-seed', 'dynamics-seed', 'dynamics-report']);
    expect(cs[0].deps).toEqual([]);
    expect(cs[1].deps).toEqual([]);
    expect(cs[2].deps).toEqual([cs[0].id, cs[1].id]);
    // one more seed keeps the first two cells
    const more = experimentCells(dynamics, { ...cfg, seeds: 3 }, { scale: 'quick', seed: 5 });
    expect(more.slice(0, 2).map((c) => c.id)).toEqual([cs[0].id, cs[1].id]);
    const dir = join(tmp, 'dyn');
    const sum = await runLocal(dir, cs, { ...OPTS, workers: 2 });
    expect(sum.failed).toEqual([]);
    const out = join(dir, 'cells', cs[2].id, 'work', 'out');
    const viaCells = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    const wholeDir = join(tmp, 'dyn-whole');
    const whole = await runExperiment(
      dynamics,
      { out: wholeDir, scale: 'quick', io: await nodeIO(), seed: 5, progress: () => {}, log: () => {} },
      () => cfg,
    );
    expect(viaCells.result).toEqual(whole.result);
    expect(viaCells.config).toEqual(whole.config);
    const res = whole.result as { seeds: { seed: number; finalAttack: unknown }[] };
    expect(res.seeds.map((x) => x.seed)).toEqual([5, 6]);
    expect(res.seeds[0].finalAttack).not.toEqual(res.seeds[1].finalAttack);
    const untimed = (d: string) =>
      readFileSync(join(d, 'report.md'), 'utf8').replace(/Wall time of this run: \d+ s/, '');
    expect(untimed(out)).toBe(untimed(wholeDir));
  }, 120_000);

  it('runs the sweep with one worker in dependency order; a rerun runs nothing', async () => {
    const s1 = await runLocal(ref, cells, { ...OPTS, workers: 1 });
    expect(s1.done.length).toBe(7);
    expect(s1.failed).toEqual([]);
    const store = new Store(ref);
    const t = (id: string, ev: string) => Date.parse(store.attempts(id).find((a) => a.event === ev)!.time);
    for (const c of cells) for (const d of c.deps) expect(t(c.id, 'start')).toBeGreaterThanOrEqual(t(d, 'finish'));
    const table = store.result<{ rows: { model: string; eps: number; successRate: number; testAccuracy: number }[] }>(
      cells[cells.length - 1].id,
    );
    expect(table.rows.length).toBe(4);
    for (const r of table.rows) {
      expect(r.testAccuracy).toBeGreaterThan(0);
      expect(r.successRate).toBeGreaterThanOrEqual(0);
    }
    // a larger eps never makes PGD less successful on the same model and images
    const sr = (m: string, e: number) => table.rows.find((r) => r.model === m && r.eps === e)!.successRate;
    for (const m of ['fc-w32-d1-linear', 'bwc-k3-c8-d1-relu']) expect(sr(m, 0.03)).toBeGreaterThanOrEqual(sr(m, 0.01));
    // the CLI's plan reads the same grid file into the same cells and sees them done in the store
    writeFileSync(join(tmp, 'grid.json'), JSON.stringify(GRID));
    const plan = execFileSync(
      process.execPath,
      ['bin/ifrlab.mjs', 'sweep', join(tmp, 'grid.json'), '--plan', '--store', ref],
      { encoding: 'utf8' },
    );
    expect(plan).toMatch(/^7 cells; estimated/);
    expect(plan.split('\n').filter((l) => / done +/.test(l)).length).toBe(7);
    const s2 = await runLocal(ref, cells, { ...OPTS, workers: 2 });
    expect(s2.done).toEqual([]);
    expect(s2.cached.length).toBe(7);
    expectFinishedOnce(ref);
  });

  it('two workers, one SIGKILLed mid-training: the cell resumes from its checkpoint and every result equals the one-worker run', async () => {
    const dir = join(tmp, 'killed');
    let killed = 0;
    const sum = await runLocal(dir, cells, {
      ...OPTS,
      workers: 2,
      onPool: (pool) => {
        untilMidTraining(dir)
          .then(() => {
            const w = pool.workers().find((x) => x.cell === bwcTrain.id)!;
            process.kill(w.pid, 'SIGKILL');
            killed = w.pid;
          })
          .catch(() => {});
      },
    });
    expect(killed).toBeGreaterThan(0);
    expect(sum.failed).toEqual([]);
    const starts = new Store(dir).attempts(bwcTrain.id).filter((a) => a.event === 'start');
    expect(starts.length).toBe(2);
    expect(starts[0].pid).toBe(killed);
    expect(starts[0].resumeFrom).toBeNull();
    expect(starts[1].resumeFrom).toMatch(/checkpoint epoch-00[1-7]/);
    expectFinishedOnce(dir);
    expectSameResults(ref, dir);
  });

  it('a cell that fails fails once with its message; the cells needing it are skipped, the others finish', async () => {
    const bad = gridCells(BAD);
    const dir = join(tmp, 'bad');
    const sum = await runLocal(dir, bad, { ...OPTS, workers: 1 });
    expect(sum.failed.length).toBe(1);
    expect(sum.failed[0].message).toMatch(/nope-w3/);
    expect(sum.skipped.length).toBe(2); // its attack and the table
    expect(sum.done.length).toBe(2); // fc's training and attack
    const failedId = sum.failed[0].id;
    expect(new Store(dir).attempts(failedId).filter((a) => a.event === 'start').length).toBe(1);
  });
});

// .ci/run starts one redis-server for the suite and names it here; otherwise the test starts its own
const SHARED_REDIS = process.env.IFRLAB_TEST_REDIS ?? '';
const REDIS =
  SHARED_REDIS ||
  (() => {
    try {
      return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  })();
const redisTitle = REDIS
  ? 'with redis-server'
  : 'SKIPPED: redis-server is not on PATH (apt-get install -y redis-server; .ci/run installs it)';
if (!REDIS && process.env.CI) throw new Error('redis-server is missing (CI is set): .ci/run installs it with apt-get');
if (!REDIS) console.warn(`tests/sweep.test.ts: BullMQ tests ${redisTitle}`);

describe(`distributed mode on BullMQ (${redisTitle})`, () => {
  let redis: ChildProcess | undefined;
  let url = '';
  const procs: ChildProcess[] = [];
  beforeAll(async () => {
    if (!REDIS) return;
    const { checkRedis } = await import('../src/lab/sweep/queue.ts');
    if (SHARED_REDIS) {
      url = SHARED_REDIS;
      await checkRedis(url, 2000);
      return;
    }
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    url = `redis://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await checkRedis(url, 500);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    redis?.kill('SIGTERM');
  });

  it.skipIf(!REDIS)('an unreachable Redis is a clear error naming the URL', async () => {
    const { checkRedis } = await import('../src/lab/sweep/queue.ts');
    await expect(checkRedis('redis://127.0.0.1:1', 1000)).rejects.toThrow(
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: ECONNREFUSED/,
    );
  });

  it.skipIf(!REDIS)(
    'two `ifrlab worker`s, one SIGKILLed mid-cell: stalled-job handoff, resume from checkpoint, each cell finished once, results equal the embedded run',
    async () => {
      const { submitSweep, waitSweep } = await import('../src/lab/sweep/queue.ts');
      const dir = join(tmp, 'queue');
      const worker = () => {
        const p = spawn(
          process.execPath,
          [
            'bin/ifrlab.mjs',
            'worker',
            '--queue',
            url,
            '--store',
            dir,
            '--backend',
            'wasm',
            '--lock-ms',
            '2000',
            '--stalled-ms',
            '1000',
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let err = '';
        p.stderr!.on('data', (d) => {
          err += d;
        });
        procs.push(p);
        return { p, err: () => err };
      };
      const w1 = worker(),
        w2 = worker();
      const { rootId, enqueued } = await submitSweep(url, dir, cells, { name: 'test-grid' });
      expect(enqueued).toBe(7);
      await untilMidTraining(dir);
      const lock = JSON.parse(readFileSync(join(dir, 'cells', bwcTrain.id, 'lock'), 'utf8')) as { ppid: number };
      const victim = [w1, w2].find((w) => w.p.pid === lock.ppid)!;
      expect(victim).toBeDefined();
      victim.p.kill('SIGKILL');
      const r = await waitSweep(url, rootId!);
      expect(r).toEqual({ ok: true });
      const starts = new Store(dir).attempts(bwcTrain.id).filter((a) => a.event === 'start');
      expect(starts.length).toBe(2);
      expect(starts[1].resumeFrom).toMatch(/checkpoint epoch-00[1-7]/);
      expectFinishedOnce(dir);
      expectSameResults(ref, dir);
      // resubmitting a finished sweep enqueues nothing
      expect((await submitSweep(url, dir, cells, { name: 'test-grid' })).enqueued).toBe(0);
      const survivor = [w1, w2].find((w) => w !== victim)!;
      expect(survivor.err()).toMatch(/done: train bwc-k3-c8-d1-relu/);
      expect(readdirSync(join(dir, 'cells')).length).toBe(7);
    },
  );

  it.skipIf(!REDIS)(
    'a failing cell fails once with its message, fails the sweep, and the other cells still finish',
    async () => {
      const { submitSweep, waitSweep } = await import('../src/lab/sweep/queue.ts');
      const bad = gridCells(BAD);
      const dir = join(tmp, 'queue'); // the surviving worker serves this store
      const { rootId, enqueued } = await submitSweep(url, dir, bad, { name: 'bad' });
      expect(enqueued).toBe(5);
      const r = await waitSweep(url, rootId!);
      expect(r.ok).toBe(false);
      const store = new Store(dir);
      const failedTrain = bad.find((c) => c.kind === 'train' && c.config.spec === 'nope-w3')!;
      expect(store.failure(failedTrain.id)!.message).toMatch(/nope-w3/);
      expect(store.attempts(failedTrain.id).filter((a) => a.event === 'start').length).toBe(1);
      const good = bad.filter(
        (c) => c.kind !== 'collect' && c.id !== failedTrain.id && !c.deps.includes(failedTrain.id),
      );
      expect(good.length).toBe(2);
      for (let i = 0; i < 100 && !good.every((c) => store.isDone(c.id)); i++)
        await new Promise((res) => setTimeout(res, 100));
      for (const c of good) expect(store.isDone(c.id), c.label).toBe(true);
    },
  );
});
