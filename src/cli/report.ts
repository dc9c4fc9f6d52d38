// `ifrlab report DIR... --out FILE`: one Markdown page from experiment outputs and training runs.
import { parseFlags, helpText } from './args.ts';
import { collectReports, relativePath } from '../lab/report/collect.ts';
import { learningCurveSvg, runLabel } from '../lab/train/curve.ts';
import type { TrainLog } from '../lab/train/trainer.ts';

const spec = {
  out: { type: 'string', default: 'report.md', help: 'the Markdown file to write' },
  title: { type: 'string', default: 'ifrlab experiment report', help: 'page title' },
  reproduction: {
    type: 'boolean',
    default: false,
    help: 'the reproduction report (paper items with intervals, verdicts for C1-C8) from experiment runs; --out defaults to docs/reproduction.md, figures go to docs/reproduction/',
  },
  cost: {
    type: 'boolean',
    default: false,
    help: 'with --reproduction: add the paper-scale plan of each experiment (throughput measured here, a few minutes)',
  },
} as const;

export async function run(args: string[]): Promise<void> {
  const f = parseFlags('report', spec, args, Infinity);
  if (f.help || f._.length === 0) {
    console.log(
      `${helpText('report DIR... ', spec)}\n\nEach DIR is an 'ifrlab experiment' output directory (result.json, report.md, figures),\nan 'ifrlab attack' output directory (summary.json, report.md, figures)\nor an 'ifrlab train' output directory (log.json): the training runs get a table and\none learning-curve figure, written beside the page as <out>-curves.svg.`,
    );
    if (!f.help) throw new Error('report: give at least one experiment or training output directory');
    return;
  }
  const fs = await import('../lab/platform/fs.ts');
  if (f.reproduction) {
    await reproduction(
      f._,
      args.includes('--out') || args.some((a) => a.startsWith('--out=')) ? f.out : 'docs/reproduction.md',
      f.cost,
    );
    return;
  }
  const outDir = fs.dirName(fs.resolvePath(f.out));
  const inputs = [];
  const runs: { relDir: string; log: TrainLog }[] = [];
  for (const d of f._) {
    const relDir = relativePath(outDir, fs.resolvePath(d));
    const rj = fs.joinPath(d, 'result.json'),
      rm = fs.joinPath(d, 'report.md'),
      lj = fs.joinPath(d, 'log.json');
    const sj = fs.joinPath(d, 'summary.json');
    if (fs.fileExists(rj) && fs.fileExists(rm))
      inputs.push({ relDir, resultJson: await fs.readText(rj), reportMd: await fs.readText(rm) });
    else if (fs.fileExists(sj) && fs.fileExists(rm))
      inputs.push({
        relDir,
        resultJson: attackAsResult(JSON.parse(await fs.readText(sj))),
        reportMd: await fs.readText(rm),
      });
    else if (fs.fileExists(lj)) {
      const log = JSON.parse(await fs.readText(lj)) as TrainLog;
      if (log.format !== 'ifrlab-train-log')
        throw new Error(`report: ${lj} is not an ifrlab training log (format '${log.format}')`);
      runs.push({ relDir, log });
    } else
      throw new Error(
        `report: ${d} has neither result.json + report.md (run 'ifrlab experiment NAME --out ${d}'), summary.json + report.md (run 'ifrlab attack ... --out ${d}') nor log.json (run 'ifrlab train ... --out ${d}')`,
      );
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
function attackAsResult(s: {
  attack: string;
  spec: string;
  data: string;
  backend: string;
  seconds: number;
  finishedAt?: string;
}): string {
  return JSON.stringify({
    experiment: `attack ${s.attack}`,
    title: `Attack ${s.attack} on ${s.spec}`,
    reproduces: '-',
    scale: '-',
    backend: s.backend,
    seconds: s.seconds,
    finishedAt: s.finishedAt ?? '-',
    config: { data: s.data },
  });
}

/** `report --reproduction DIR...`: docs/reproduction.md and its figures from experiment runs. */
async function reproduction(dirs: string[], out: string, cost: boolean): Promise<void> {
  const fs = await import('../lab/platform/fs.ts');
  const { reproductionPage } = await import('../lab/report/reproduction.ts');
  const outDir = fs.dirName(fs.resolvePath(out));
  const runs = [];
  for (const d of dirs) {
    const rj = fs.joinPath(d, 'result.json');
    if (!fs.fileExists(rj))
      throw new Error(`report --reproduction: ${d} has no result.json (run 'ifrlab experiment NAME --out ${d}')`);
    runs.push({
      relDir: relativePath(outDir, fs.resolvePath(d)),
      absDir: d,
      result: JSON.parse(await fs.readText(rj)),
    });
  }
  let costMd: string | undefined;
  if (cost) costMd = await paperCost();
  const figureDir = `${out.replace(/\.md$/i, '').split('/').pop()}`;
  const page = reproductionPage(runs, { figureDir, cost: costMd });
  for (const fig of page.figures) {
    const run = runs.find((r) => fig.from.startsWith(`${r.relDir}/`))!;
    await fs.writeBytes(
      fs.joinPath(outDir, fig.to),
      await fs.readText(fs.joinPath(run.absDir, fig.from.slice(run.relDir.length + 1))),
    );
  }
  await fs.writeBytes(out, page.markdown);
  console.log(
    `wrote ${out} (${runs.length} runs, ${page.figures.length} figures in ${fs.joinPath(outDir, figureDir)}/)`,
  );
}

/** The paper-scale plan of each experiment of the report, measured on this machine. */
async function paperCost(): Promise<string> {
  const { EXPERIMENTS } = await import('../lab/experiments/index.ts');
  const { planExperiment, planText } = await import('../lab/experiments/plan.ts');
  const { setFastestBackend } = await import('../engine/backends/registry.ts');
  const backend = await setFastestBackend();
  const parts: string[] = [];
  for (const name of ['table1', 'fourier-norms', 'spectra', 'dynamics', 'mnist-spectra', 'steganography']) {
    process.stderr.write(`plan ${name} ...\n`);
    const cfg = EXPERIMENTS[name].config('paper', { seed: 0 } as never);
    parts.push(
      `\`ifrlab experiment ${name} --scale paper --out runs/${name}-paper\`\n\n\`\`\`\n${planText(await planExperiment(name, cfg))}\n\`\`\``,
    );
  }
  return [
    `Estimated with \`ifrlab experiment NAME --scale paper --plan\` on this machine (backend ${backend.name}; throughput from a few batches of each model on synthetic data of the same shape while other jobs shared the 2 cores, so treat the times as rough). None of these was run.`,
    '',
    ...parts,
  ].join('\n\n');
}
