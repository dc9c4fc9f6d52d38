// Runs one experiment into an output directory: config.json, parts/ (resume
// cache), figures, result.json and report.md.
import type { Experiment, ExperimentContext, ResultFile } from './common.ts';
import { engine } from '../../engine/tensor.ts';

/** CPU count and model, platform and runtime (Node/Deno; absent in a browser). */
async function machine(): Promise<ResultFile['machine']> {
  try {
    const os = await import('node:os');
    const cpus = os.cpus();
    const g = globalThis as { Deno?: { version: { deno: string } }; process?: { version: string } };
    return {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      platform: `${os.platform()} ${os.arch()}`,
      runtime: g.Deno ? `deno ${g.Deno.version.deno}` : `node ${g.process?.version}`,
    };
  } catch {
    return undefined;
  }
}

/** Run one experiment into ctx.out: config.json, cached parts (a rerun resumes), figures, result.json and report.md. */
export async function runExperiment<C, R>(
  exp: Experiment<C, R>,
  ctx: ExperimentContext,
  configOverride?: (c: C) => C,
): Promise<ResultFile<C, R> & { summary?: string }> {
  let cfg = exp.config(ctx.scale, ctx);
  if (configOverride) cfg = configOverride(cfg);
  const cfgFile = ctx.io.join(ctx.out, 'config.json');
  if (ctx.io.exists(cfgFile)) {
    const prev = await ctx.io.readText(cfgFile);
    if (prev !== JSON.stringify(cfg, null, 2))
      throw new Error(
        `experiment ${exp.name}: ${ctx.out} holds a run with a different configuration (config.json); use another --out directory or delete it`,
      );
  } else await ctx.io.writeText(cfgFile, JSON.stringify(cfg, null, 2));
  const started = new Date();
  const out = await exp.run(cfg, ctx);
  const finished = new Date();
  for (const f of out.figures) await ctx.io.writeText(ctx.io.join(ctx.out, f.file), f.svg);
  const file: ResultFile<C, R> = {
    experiment: exp.name,
    title: exp.title,
    reproduces: exp.reproduces,
    scale: ctx.scale,
    config: cfg,
    backend: engine.backend.name,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds: (finished.getTime() - started.getTime()) / 1000,
    command: ctx.command,
    machine: await machine(),
    result: out.result,
    figures: out.figures.map((f) => ({ file: f.file, caption: f.caption })),
  };
  await ctx.io.writeText(ctx.io.join(ctx.out, 'result.json'), JSON.stringify(file, null, 1));
  const md = [
    `# ${exp.title}`,
    '',
    `Reproduces: ${exp.reproduces}. Scale: **${ctx.scale}**. Backend: ${file.backend}. Wall time of this run: ${file.seconds.toFixed(0)} s (parts cached by an earlier run are not re-timed). Seed ${ctx.seed}.`,
    '',
    out.markdown,
    '',
    '## Figures',
    '',
    ...out.figures.flatMap((f) => [`![${f.caption}](${f.file})`, '', `*${f.caption}*`, '']),
  ].join('\n');
  await ctx.io.writeText(ctx.io.join(ctx.out, 'report.md'), md);
  return { ...file, summary: out.summary };
}
