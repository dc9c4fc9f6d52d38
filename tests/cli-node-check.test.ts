// The CLI's start-up check of the Node version (bin/node-check.mjs, package.json "engines").
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
// @ts-expect-error plain .mjs module without types
import { MIN_NODE, nodeVersionProblem } from '../bin/node-check.mjs';

describe('Node version check', () => {
  it('matches package.json engines', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.join('.')}`);
  });
  it('accepts the minimum and newer versions, refuses older ones with the needed version', () => {
    expect(nodeVersionProblem('20.19.0')).toBeNull();
    expect(nodeVersionProblem('v20.20.1')).toBeNull();
    expect(nodeVersionProblem('22.0.0')).toBeNull();
    expect(nodeVersionProblem('20.18.3')).toMatch(/needs Node >= 20\.19; this is Node 20\.18\.3/);
    expect(nodeVersionProblem('18.20.0')).toMatch(/needs Node >= 20\.19/);
    expect(nodeVersionProblem('garbage')).toMatch(/cannot read the Node version 'garbage'/);
  });
  it('the running Node passes it', () => {
    expect(nodeVersionProblem(process.versions.node)).toBeNull();
  });
});
