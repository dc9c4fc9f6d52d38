// `ifrlab experiment NAME [--scale quick|paper] [--data-dir DIR] [--data NAME] --out DIR`
import { setImmediate } from 'node:timers';
import { parseFlags, helpText, didYouMean, DATA_DIR, BACKEND, SEED, outOption, selectBackend } from './args.ts';
import { EXPERIMENTS, nodeIO, runExperiment, textProgress, type Scale } from '../lab/experiments/index.ts';

const spec = {
  ...outOption('result.json, figures, report.md; reruns resume from it; default runs/NAME-SCALE', false),
  scale: { type: 'string', default: 'quick', help: "quick (minutes on 2 cores) | paper (the paper's settings)" },
  ...DATA_DIR,
  data: {
    type: 'string',
    help: "data set name overriding the experiment's default (e.g. cifar10, synthetic:train=2000)",
  },
  ...SEED,
  ...BACKEND,
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
  plan: {
    type: 'boolean',
    default: false,
    help: 'print the estimated cost (time measured on this machine, disk) and the settings that differ from the paper, then exit',
  },
  set: {
    type: 'string',
    help: "override top-level config values: 'epochs=6,trainLimit=10000,attackN=200' (see DIR/config.json for the keys)",
  },
} as const;

export function experimentUsage(): string {
  const list = Object.values(EXPERIMENTS)
    .map((e) => `  ${e.name.padEnd(16)} ${e.reproduces}: ${e.title}`)
    .join('\n');
  return `${helpText('experiment NAME', spec)}\n\nexperiments:\n${list}`;
}

export async function run(args: string[]): Promise<void> {
  const f = parseFlags('experiment', spec, args, 1);
  if (f.help) {
    console.log(experimentUsage());
    return;
  }
  const name = f._[0];
  if (!name) throw new Error(`experiment: name the experiment\n\n${experimentUsage()}`);
  const exp = EXPERIMENTS[name];
  if (!exp)
    throw new Error(
      `experiment: unknown experiment '${name}'${didYouMean(name, Object.keys(EXPERIMENTS))}\n\n${experimentUsage()}`,
    );
  if (f.scale !== 'quick' && f.scale !== 'paper')
    throw new Error(`experiment: --scale must be quick or paper, got '${f.scale}'`);
  const out = f.out ?? `runs/${name}-${f.scale}`;
  const backend = await selectBackend(f.backend);
  if (!f.quiet)
    process.stderr.write(
      `experiment ${name}: ${exp.title}\n  reproduces ${exp.reproduces}; ${f.scale} scale, backend ${backend.name} -> ${out}\n`,
    );
  const t0 = Date.now();
  const overrides = parseOverrides(f.set);
  if (f.plan) {
    const { planExperiment, planText } = await import('../lab/experiments/plan.ts');
    let cfg = exp.config(f.scale as Scale, { data: f.data, seed: f.seed } as never);
    if (overrides.length) cfg = applyOverrides(name, cfg, overrides);
    console.log(planText(await planExperiment(name, cfg)));
    console.log(
      `  (backend ${backend.name}; throughput measured with a few batches on synthetic data of the same shape)`,
    );
    return;
  }
  // Ctrl-C (or SIGTERM): the training in progress checkpoints its batch and the run stops; finished
  // parts (models, attack chunks) are on disk, so the same command resumes; a second signal quits
  let stop = false;
  const onSignal = (): void => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after this batch (the same command resumes); press Ctrl-C again to quit now\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let file;
  try {
    const { prepareOutputDir } = await import('../lab/platform/fs.ts');
    const { withRunLock } = await import('../lab/platform/run-lock.ts');
    await prepareOutputDir(out);
    // one writer per output folder (train and the sweep workers take the same lock)
    file = await withRunLock(out, `experiment ${args.join(' ')}`, async () =>
      runExperiment(
        exp,
        {
          out,
          scale: f.scale as Scale,
          io: await nodeIO(),
          dataDir: f['data-dir'],
          data: f.data,
          seed: f.seed,
          progress: f.quiet ? () => {} : textProgress(),
          log: (m) => process.stderr.write(`${m}\n`),
          stopRequested: () => new Promise<boolean>((done) => setImmediate(() => done(stop))),
          command: `ifrlab experiment ${args.join(' ')}`,
        },
        overrides.length ? (cfg) => applyOverrides(name, cfg, overrides) : undefined,
      ),
    );
  } catch (e) {
    if (stop) {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exitCode = 130;
      return;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (file.summary) console.log(`\n${file.summary}`);
  console.log(
    `\n${name} (${f.scale} scale, backend ${backend.name}) finished in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  console.log(`  ${out}/result.json\n  ${out}/report.md\n  ${file.figures.length} figures in ${out}/`);
}

/** 'a=1,b=x' -> [['a', 1], ['b', 'x']] (values parsed as JSON when they can be). */
export function parseOverrides(s: string | undefined): [string, unknown][] {
  if (!s) return [];
  return s
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`experiment: --set expects key=value pairs separated by commas, got '${kv}'`);
      const k = kv.slice(0, i).trim(),
        v = kv.slice(i + 1).trim();
      let val: unknown = v;
      try {
        val = JSON.parse(v);
      } catch {
        /* a plain string */
      }
      return [k, val];
    });
}

export function applyOverrides<C>(name: string, cfg: C, ov: [string, unknown][]): C {
  const out = { ...(cfg as Record<string, unknown>) };
  for (const [k, v] of ov) {
    if (!(k in out) && !['trainLimit', 'testLimit'].includes(k))
      throw new Error(`experiment ${name}: --set ${k}: no such config key (keys: ${Object.keys(out).join(', ')})`);
    if (out[k] !== undefined && typeof out[k] === 'object')
      throw new Error(`experiment ${name}: --set ${k}: only numbers and strings can be overridden`);
    out[k] = v;
  }
  return out as C;
}
