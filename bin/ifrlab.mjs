#!/usr/bin/env node
// Command-line entry: checks the Node version, then runs the compiled CLI (npm run build produces dist/).
import { nodeVersionProblem } from './node-check.mjs';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  console.error(problem);
  process.exit(1);
}
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  console.error('ifrlab: the compiled CLI (dist/) is missing: run `npm run build` first');
  process.exit(1);
}
// the WASM backend's worker threads would keep a Deno process alive after the command: stop them
cli.main(process.argv.slice(2)).then(
  () => cli.releaseBackends(),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
