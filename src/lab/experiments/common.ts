// The experiment framework: a config in, a JSON result out, figures and a
// Markdown report; resumable (finished parts are cached as JSON in the output
// directory and skipped on a rerun) with a progress bar.
// File access goes through src/platform (imported lazily so this module stays
// loadable in the browser, where a caller can pass its own ExperimentIO).
import { progressReporter, type ProgressReporter } from '../platform/progress.ts';

/** How big an experiment runs: 'quick' (minutes on 2 cores) or 'paper' (the paper's settings). */
export type Scale = 'quick' | 'paper';

/** File access an experiment needs (the CLI passes the Node/Deno one). */
export interface ExperimentIO {
  exists(path: string): boolean;
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  join(...parts: string[]): string;
}

/** The ExperimentIO of Node and Deno (files under the output directory). */
export async function nodeIO(): Promise<ExperimentIO> {
  const fs = await import('../platform/fs.ts');
  return {
    exists: (p) => fs.fileExists(p),
    readText: (p) => fs.readText(p),
    writeText: (p, t) => fs.writeBytes(p, t),
    join: (...p) => fs.joinPath(...p),
  };
}

/** Progress callback of an experiment: a label and done / total. */
export interface ProgressSink {
  (label: string, done: number, total: number): void;
}

/**
 * The experiments' progress sink on the shared reporter (src/lab/platform/progress.ts): bar, count, elapsed,
 * ETA and rate, redrawn in place on a terminal, else a line per tenth. A new bar starts when the label changes
 * (labels that differ only in their numbers, e.g. a loss, count as the same) or the count goes back.
 */
export function textProgress(write?: (s: string) => void, tty?: boolean): ProgressSink {
  let key = '',
    last = -1,
    rep: ProgressReporter | null = null;
  return (label, done, total) => {
    const k = label.replace(/[-+]?\d[\d.e+-]*/g, '#');
    if (!rep || k !== key || done < last) {
      rep = progressReporter('', { write, tty });
      key = k;
    }
    last = done;
    rep.update(done, total, label);
    if (done >= total) {
      rep.finish(label);
      rep = null;
    }
  };
}

/** What an experiment run gets: output directory, scale, file access, data choice, progress, log, seed. */
export interface ExperimentContext {
  out: string;
  scale: Scale;
  io: ExperimentIO;
  /** The data directory (the CLI resolves the default). */
  dataDir?: string;
  /** A data set name chosen by --data (experiments document which they accept). */
  data?: string;
  progress: ProgressSink;
  log: (msg: string) => void;
  /** Seed of everything random in the experiment. */
  seed: number;
  /** Awaited after every training batch (Ctrl-C in the CLI): true checkpoints the batch and stops the run, which a rerun resumes. */
  stopRequested?: () => boolean | Promise<boolean>;
  /** The command line that made the run (recorded in result.json). */
  command?: string;
}

type Dataset = import('../data/dataset.ts').Dataset;

// Long-lived sweep worker processes keep the last few data sets they opened (keepDatasets): the
// cells of a sweep mostly share one, and loading it per cell (generating it: synthetic sets take
// seconds) would dominate small cells. Off by default: one experiment run opens each set once.
let keep = 0;
const kept = new Map<string, Promise<Dataset>>();
/** Keep the last n data sets opened by openDataset in memory (sweep worker processes; 0: keep none). */
export function keepDatasets(n: number): void {
  keep = n;
  kept.clear();
}

/** Load a data set by name (synthetic needs no files; real sets are read from ctx.dataDir through src/lab/platform). */
export function openDataset(ctx: ExperimentContext, name: string): Promise<Dataset> {
  if (!keep) return loadNamed(ctx, name);
  const key = `${ctx.dataDir ?? ''}|${name}`;
  let p = kept.get(key);
  if (!p) {
    if (kept.size >= keep) kept.delete(kept.keys().next().value!);
    p = loadNamed(ctx, name);
    p.catch(() => kept.delete(key));
    kept.set(key, p);
  }
  return p;
}

async function loadNamed(ctx: ExperimentContext, name: string): Promise<Dataset> {
  const { loadDatasetFromDisk } = await import('../platform/data.ts');
  if (!name.startsWith('synthetic')) ctx.log(`data: ${name}`);
  return loadDatasetFromDisk(name, ctx.dataDir, 'size');
}

/**
 * Run fn once and cache its JSON-serialisable result as OUT/parts/<key>.json;
 * later runs (resume) read the cached value instead.
 */
export async function part<T>(ctx: ExperimentContext, key: string, fn: () => Promise<T>): Promise<T> {
  const file = ctx.io.join(ctx.out, 'parts', `${key.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`);
  if (ctx.io.exists(file)) {
    ctx.log(`resume: ${key} (cached in ${file})`);
    return JSON.parse(await ctx.io.readText(file)) as T;
  }
  const v = await fn();
  await ctx.io.writeText(file, JSON.stringify(v));
  return v;
}

/** An SVG figure an experiment writes, with its file name and caption. */
export interface Figure {
  /** File name inside the output directory, e.g. 'spectra-delta.svg'. */
  file: string;
  svg: string;
  caption: string;
}

/** What an experiment returns: its result (JSON), figures and the Markdown report body. */
export interface ExperimentOutput<R> {
  result: R;
  figures: Figure[];
  /** Markdown body (without the header the CLI adds). */
  markdown: string;
  /** Short text the CLI prints when the run ends (e.g. the main table). */
  summary?: string;
}

/** One experiment module: config in, result out. */
export interface Experiment<C = unknown, R = unknown> {
  name: string;
  title: string;
  /** What it reproduces, e.g. 'Table 1'. */
  reproduces: string;
  config(scale: Scale, ctx: ExperimentContext): C;
  run(cfg: C, ctx: ExperimentContext): Promise<ExperimentOutput<R>>;
}

/** The file written to OUT/result.json. */
export interface ResultFile<C = unknown, R = unknown> {
  experiment: string;
  title: string;
  reproduces: string;
  scale: Scale;
  config: C;
  backend: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** The command that made it and the machine it ran on (absent in older runs). */
  command?: string;
  machine?: { cpus: number; cpuModel: string; platform: string; runtime: string };
  result: R;
  figures: { file: string; caption: string }[];
}

/** Float arrays -> plain arrays with limited precision (JSON size). */
export function roundArray(v: ArrayLike<number>, digits = 6): number[] {
  return Array.from(v, (x) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x));
}
