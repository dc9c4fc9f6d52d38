#!/usr/bin/env node
// Command-line entry: runs the compiled CLI (npm run build produces dist/).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
