// Collect several experiment outputs (DIR/result.json + DIR/report.md) and
// training runs (DIR/log.json) into one Markdown page: a table of the training
// runs with their learning curves, an index table of the experiments, then each
// experiment's report with its figure links rewritten relative to the page.
import type { TrainLog } from '../train/trainer.ts';
/** One experiment output directory for collectReports: its relative path, result.json and report.md. */
export interface CollectInput {
  /** Path of the experiment's output directory, relative to the page's folder (for links). */
  relDir: string;
  resultJson: string;
  reportMd: string;
}

/** Training runs for collectReports: their logs and the learning-curve figure. */
export interface TrainingRuns {
  /** Each run's log and directory (relative to the page). */
  runs: { relDir: string; log: TrainLog }[];
  /** The learning-curve figure, relative to the page. */
  figure: string;
}

/** One Markdown page from experiment outputs and training runs ('ifrlab report'). */
export function collectReports(
  inputs: CollectInput[],
  title = 'ifrlab experiment report',
  training?: TrainingRuns,
): string {
  const metas = inputs.map(
    (i) =>
      JSON.parse(i.resultJson) as {
        experiment: string;
        title: string;
        reproduces: string;
        scale: string;
        backend: string;
        seconds: number;
        finishedAt: string;
        config?: { data?: string };
      },
  );
  const lines = [`# ${title}`, ''];
  if (training?.runs.length) lines.push(...trainingSection(training), '');
  if (!inputs.length) return lines.join('\n');
  lines.push(
    '| experiment | reproduces | data | scale | backend | wall time (s) | finished | output |',
    '|---|---|---|---|---|---|---|---|',
  );
  metas.forEach((m, k) =>
    lines.push(
      `| [${m.experiment}](#${anchor(m.title)}) | ${m.reproduces} | ${m.config?.data ?? '-'} | ${m.scale} | ${m.backend} | ${m.seconds.toFixed(0)} | ${m.finishedAt} | ${inputs[k].relDir} |`,
    ),
  );
  for (const i of inputs) {
    const rel = i.relDir.replace(/\/+$/, '') || '.';
    // demote headings by one level and point figure links into the experiment's folder
    const body = i.reportMd
      .replace(/^(#+) /gm, '#$1 ')
      .replace(/!\[([^\]]*)\]\((?!https?:|\/)([^)]+)\)/g, (_m, alt, file) => `![${alt}](${rel}/${file})`);
    lines.push('', body.trim());
  }
  return lines.join('\n') + '\n';
}

function trainingSection({ runs, figure }: TrainingRuns): string[] {
  const pct = (v: number | null | undefined): string =>
    v === null || v === undefined ? '-' : `${(100 * v).toFixed(2)}%`;
  const lines = [
    '## Training runs',
    '',
    '| model | data | seed | lr, schedule | epochs | best test accuracy | final train accuracy | wall (s) | backend | status | output |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { relDir, log } of runs) {
    const c = log.config,
      h = log.history,
      last = h[h.length - 1];
    const epochs = `${last?.epoch ?? 0}/${c.epochs}`;
    const best = log.best ? `${pct(log.best.testAccuracy)} (epoch ${log.best.epoch})` : '-';
    lines.push(
      `| ${c.model} | ${c.data} | ${c.seed} | ${c.lr}, ${c.schedule} | ${epochs} | ${best} | ${pct(last?.trainAccuracy)} | ${log.wallSeconds.toFixed(0)} | ${log.backend} | ${log.status} | ${relDir} |`,
    );
  }
  lines.push('', `![learning curves](${figure})`);
  return lines;
}

function anchor(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ +/g, '-');
}

/** Relative path from directory `from` to `to` (both absolute, '/'-separated). */
export function relativePath(from: string, to: string): string {
  const a = from.split('/').filter(Boolean),
    b = to.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
}
