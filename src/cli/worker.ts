// `ifrlab worker --queue redis://HOST:6379 --store DIR [--concurrency K] [--backend B]`
import { parseFlags, helpText, DATA_DIR, BACKEND } from './args.ts';

const spec = {
  queue: { type: 'string', help: 'Redis URL of the sweep queue (redis://HOST:6379)', required: true },
  store: {
    type: 'string',
    help: 'the shared cell store (the same directory, e.g. on NFS, as the sweep was given)',
    required: true,
  },
  concurrency: { type: 'number', default: 1, help: 'cells run at once (one local process each)' },
  ...BACKEND,
  ...DATA_DIR,
  'lock-ms': {
    type: 'number',
    default: 300000,
    help: "job lock duration; a dead worker's cell moves on after about this long",
  },
  'stalled-ms': { type: 'number', default: 30000, help: 'how often to look for stalled jobs (of dead workers)' },
} as const;

export async function run(args: string[]): Promise<void> {
  const f = parseFlags('worker', spec, args);
  if (f.help) {
    console.log(helpText('worker', spec));
    return;
  }
  const { startWorker } = await import('../lab/sweep/queue.ts');
  const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
  const w = await startWorker(f.queue, f.store, {
    concurrency: f.concurrency,
    backend: f.backend,
    dataDir: f['data-dir'],
    lockMs: f['lock-ms'],
    stalledMs: f['stalled-ms'],
    log,
  });
  log(
    `worker ${process.pid}: ${f.concurrency} cell(s) at a time from ${f.queue}, store ${f.store}; Ctrl-C stops after the running cells`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      log('stopping: waiting for the running cells');
      w.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
