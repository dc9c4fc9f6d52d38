// One progress reporter for every long job (attacks, training, experiments,
// downloads): a bar, the count, elapsed time, ETA and rate. On a terminal the
// line is redrawn in place (at most every `intervalMs`); otherwise, as in CI
// logs, one line is written per tenth of the job.

/** m:ss, or h:mm:ss past an hour; '?' when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = s % 60;
  return h
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
}

export interface ProgressLine {
  label: string;
  done: number;
  total: number;
  elapsedSeconds: number;
  /** What `done` counts (default 'it'): the rate is shown as `<unit>/s`. */
  unit?: string;
  message?: string;
  width?: number;
}

/**
 * `label [######......] 40/100 40% 0:12 elapsed, ETA 0:18, 3.33 it/s message`.
 * ETA = elapsed * (total - done) / done (unknown before the first unit is done).
 */
export function formatProgress(p: ProgressLine): string {
  const w = p.width ?? 20;
  const frac = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 1;
  const fill = Math.round(frac * w);
  const rate = p.elapsedSeconds > 0 ? p.done / p.elapsedSeconds : NaN;
  const eta = p.done > 0 ? (p.elapsedSeconds * (p.total - p.done)) / p.done : NaN;
  const r = !Number.isFinite(rate)
    ? '?'
    : rate >= 100
      ? rate.toFixed(0)
      : rate >= 1
        ? rate.toFixed(2)
        : rate.toPrecision(2);
  return `${p.label ? `${p.label} ` : ''}[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${p.done}/${p.total} ${(100 * frac).toFixed(0)}% ${formatDuration(p.elapsedSeconds)} elapsed, ETA ${formatDuration(eta)}, ${r} ${p.unit ?? 'it'}/s${p.message ? ` ${p.message}` : ''}`;
}

export interface ProgressReporter {
  /** Report `done` of `total` units (a new total is allowed, e.g. when a search narrows). */
  update(done: number, total: number, message?: string): void;
  /** End the line (on a terminal) with a last update. */
  finish(message?: string): void;
}

export interface ProgressOptions {
  unit?: string;
  /** Where the text goes (default: process.stderr when present, else nowhere). */
  write?: (s: string) => void;
  /** Redraw in place (default: stderr is a terminal). */
  tty?: boolean;
  /** Minimum time between redraws on a terminal (default 200 ms). */
  intervalMs?: number;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
}

type Stderr = { write(s: string): void; isTTY?: boolean };
const stderr = (): Stderr | undefined => (globalThis as { process?: { stderr?: Stderr } }).process?.stderr;

export function progressReporter(label: string, o: ProgressOptions = {}): ProgressReporter {
  const write =
    o.write ??
    ((s: string) => {
      stderr()?.write(s);
    });
  const tty = o.tty ?? Boolean(stderr()?.isTTY);
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 200;
  const t0 = now();
  let lastDraw = -Infinity,
    lastTenth = -1,
    lastDone = 0,
    lastTotal = 0,
    lastMsg: string | undefined;
  const line = (done: number, total: number, message?: string): string =>
    formatProgress({ label, done, total, elapsedSeconds: (now() - t0) / 1000, unit: o.unit, message });
  return {
    update(done, total, message) {
      lastDone = done;
      lastTotal = total;
      lastMsg = message;
      const t = now();
      if (tty) {
        if (t - lastDraw < interval && done < total) return;
        lastDraw = t;
        write(`\r${line(done, total, message)}\x1b[K`);
        return;
      }
      const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      write(`${line(done, total, message)}\n`);
    },
    finish(message) {
      if (tty) {
        write(`\r${line(lastDone, lastTotal, message ?? lastMsg)}\x1b[K\n`);
        return;
      }
      if (lastTenth !== 10) write(`${line(lastDone, lastTotal, message ?? lastMsg)}\n`);
    },
  };
}
