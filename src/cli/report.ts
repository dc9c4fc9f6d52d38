// `ifrlab report DIR... --out FILE`: one Markdown page from several experiment outputs.
import { parseFlags, helpText } from './args.ts';
import { collectReports, relativePath } from '../report/collect.ts';

const spec = {
  out: { type: 'string', default: 'report.md', help: 'the Markdown file to write' },
  title: { type: 'string', default: 'ifrlab experiment report', help: 'page title' },
} as const;

export async function run(args: string[]): Promise<void> {
  const f = parseFlags('report', spec, args);
  if (f.help || f._.length === 0) {
    console.log(`${helpText('report DIR... ', spec)}\n\nEach DIR is an 'ifrlab experiment' output directory (result.json, report.md, figures).`);
    if (!f.help) throw new Error('report: give at least one experiment output directory');
    return;
  }
  const fs = await import('../platform/fs.ts');
  const outDir = fs.dirName(fs.resolvePath(f.out));
  const inputs = [];
  for (const d of f._) {
    const rj = fs.joinPath(d, 'result.json'), rm = fs.joinPath(d, 'report.md');
    if (!fs.fileExists(rj) || !fs.fileExists(rm)) throw new Error(`report: ${d} has no result.json and report.md (run 'ifrlab experiment NAME --out ${d}' first)`);
    inputs.push({ relDir: relativePath(outDir, fs.resolvePath(d)), resultJson: await fs.readText(rj), reportMd: await fs.readText(rm) });
  }
  await fs.writeBytes(f.out, collectReports(inputs, f.title));
  console.log(`wrote ${f.out} (${inputs.length} experiments)`);
}
