// Collect several experiment outputs (DIR/result.json + DIR/report.md) into one
// Markdown page: an index table, then each report with its figure links
// rewritten relative to the page.
export interface CollectInput {
  /** Path of the experiment's output directory, relative to the page's folder (for links). */
  relDir: string;
  resultJson: string;
  reportMd: string;
}

export function collectReports(inputs: CollectInput[], title = 'ifrlab experiment report'): string {
  const metas = inputs.map((i) => JSON.parse(i.resultJson) as { experiment: string; title: string; reproduces: string; scale: string; backend: string; seconds: number; finishedAt: string; config?: { data?: string } });
  const lines = [`# ${title}`, '', '| experiment | reproduces | data | scale | backend | wall time (s) | finished | output |', '|---|---|---|---|---|---|---|---|'];
  metas.forEach((m, k) => lines.push(`| [${m.experiment}](#${anchor(m.title)}) | ${m.reproduces} | ${m.config?.data ?? '-'} | ${m.scale} | ${m.backend} | ${m.seconds.toFixed(0)} | ${m.finishedAt} | ${inputs[k].relDir} |`));
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

function anchor(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ +/g, '-');
}

/** Relative path from directory `from` to `to` (both absolute, '/'-separated). */
export function relativePath(from: string, to: string): string {
  const a = from.split('/').filter(Boolean), b = to.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
}
