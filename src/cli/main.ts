// The command-line front end. Each command lives in its own module under
// src/cli/ and exports `run(args: string[]): Promise<void>`; they are loaded
// lazily so that `ifrlab --help` starts fast.
import { didYouMean } from './args.ts';

type Command = { summary: string; load: () => Promise<{ run: (args: string[]) => Promise<void> }> };

const commands: Record<string, Command> = {
  demo: {
    summary: 'train a small model on generated data; print the loss curve and the gradient-path listing',
    load: () => import('./demo.ts'),
  },
  train: {
    summary: 'train a model: ifrlab train --model SPEC --data NAME --out DIR',
    load: () => import('./train.ts'),
  },
  data: { summary: 'ifrlab data fetch|verify NAME', load: () => import('./data.ts') },
  attack: {
    summary: 'attack a checkpoint: ifrlab attack --checkpoint FILE --attack NAME --out DIR',
    load: () => import('./attack.ts'),
  },
  analyse: {
    summary: 'analyse a checkpoint: ifrlab analyse fourier-map --checkpoint FILE --out DIR',
    load: () => import('./analyse.ts'),
  },
  experiment: {
    summary: 'run a paper table/figure: ifrlab experiment NAME --out DIR',
    load: () => import('./experiment.ts'),
  },
  sweep: {
    summary:
      'run a grid or experiment as cells: ifrlab sweep FILE|NAME --store DIR [--workers N] [--queue redis://...]',
    load: () => import('./sweep.ts'),
  },
  worker: {
    summary: 'run sweep cells from a queue: ifrlab worker --queue redis://HOST:6379 --store DIR',
    load: () => import('./worker.ts'),
  },
  report: { summary: 'collect experiment results into one Markdown page', load: () => import('./report.ts') },
};

export function usage(): string {
  const lines = Object.entries(commands).map(([k, c]) => `  ${k.padEnd(11)} ${c.summary}`);
  return `usage: ifrlab <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'ifrlab <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const cmd = commands[name];
  if (!cmd) throw new Error(`unknown command '${name}'${didYouMean(name, Object.keys(commands))}\n\n${usage()}`);
  let mod;
  try {
    mod = await cmd.load();
  } catch (e) {
    throw new Error(`command '${name}' is not available in this build: ${(e as Error).message}`);
  }
  await mod.run(rest);
}

/** Stop the backends' worker threads once a command is done (under Deno they keep the process alive). */
export async function releaseBackends(): Promise<void> {
  (await import('../engine/backends/registry.ts')).releaseBackends();
}
