// `ifrlab report DIR... --out FILE`: one Markdown page from experiment outputs and training runs.
import { parseFlags, helpText } from './args.ts';
import { collectReports, relativePath } from '../lab/report/collect.ts';
import { learningCurveSvg, runLabel } from '../lab/train/curve.ts';
import type { TrainLog } from '../lab/train/trainer.ts';

const spec = {
  out: { type: 'string', default: 'report.md', help: 'the Markdown file to write' },
  title: { type: 'string', default: 'ifrlab experiment report', help: 'page title' },
} as const;

export async function run(args: string[]): Promise<void> {
  const f = parseFlags('report', spec, args, Infinity);
  if (f.help || f._.length === 0) {
    console.log(`${helpText('report DIR... ', spec)}\n\nEach DIR is an 'ifrlab experiment' output directory (result.json, report.md, figures),\nan 'ifrlab attack' output directory (summary.json, report.md, figures)\nor an 'ifrlab train' output directory (log.json): the training runs get a table and\none learning-curve figure, written beside the page as <out>-curves.svg.`);
    if (!f.help) throw new Error('report: give at least one experiment or training output directory');
    return;
  }
  const fs = await import('../lab/platform/fs.ts');
  const outDir = fs.dirName(fs.resolvePath(f.out));
  const inputs = [];
  const runs: { relDir: string; log: TrainLog }[] = [];
  for (const d of f._) {
    const relDir = relativePath(outDir, fs.resolvePath(d));
    const rj = fs.joinPath(d, 'result.json'), rm = fs.joinPath(d, 'report.md'), lj = fs.joinPath(d, 'log.json');
    const sj = fs.joinPath(d, 'summary.json');
    if (fs.fileExists(rj) && fs.fileExists(rm)) inputs.push({ relDir, resultJson: await fs.readText(rj), reportMd: await fs.readText(rm) });
    else if (fs.fileExists(sj) && fs.fileExists(rm)) inputs.push({ relDir, resultJson: attackAsResult(JSON.parse(await fs.readText(sj))), reportMd: await fs.readText(rm) });
    else if (fs.fileExists(lj)) {
      const log = JSON.parse(await fs.readText(lj)) as TrainLog;
      if (log.format !== 'ifrlab-train-log') throw new Error(`report: ${lj} is not an ifrlab training log (format '${log.format}')`);
      runs.push({ relDir, log });
    } else throw new Error(`report: ${d} has neither result.json + report.md (run 'ifrlab experiment NAME --out ${d}'), summary.json + report.md (run 'ifrlab attack ... --out ${d}') nor log.json (run 'ifrlab train ... --out ${d}')`);
  }
  let training;
  if (runs.length) {
    const figure = f.out.replace(/\.md$/i, '') + '-curves.svg';
    await fs.writeBytes(figure, learningCurveSvg(runs.map((r) => ({ label: runLabel(r.log), log: r.log }))));
    training = { runs, figure: relativePath(outDir, fs.resolvePath(figure)) };
  }
  await fs.writeBytes(f.out, collectReports(inputs, f.title, training));
  console.log(`wrote ${f.out} (${inputs.length} experiments and attacks, ${runs.length} training runs)`);
}

/** An attack's summary.json in the shape of an experiment's result.json (for the index table). */
function attackAsResult(s: { attack: string; spec: string; data: string; backend: string; seconds: number; finishedAt?: string }): string {
  return JSON.stringify({ experiment: `attack ${s.attack}`, title: `Attack ${s.attack} on ${s.spec}`, reproduces: '-', scale: '-', backend: s.backend, seconds: s.seconds, finishedAt: s.finishedAt ?? '-', config: { data: s.data } });
}
