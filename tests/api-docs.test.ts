// docs/api.md is generated from the doc comments (scripts/api-docs.mjs): it must match
// the sources, and every public export must have a doc comment.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { apiMarkdown } from '../scripts/api-docs.mjs';

describe('docs/api.md', () => {
  const { text, undocumented } = apiMarkdown();

  it('is up to date (regenerate with: node scripts/api-docs.mjs)', () => {
    expect(readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8')).toBe(text);
  });

  it('lists the engine and the lab, and marks the file-system functions', () => {
    expect(text).toMatch(/^## `ifrlab\/engine`$/m);
    expect(text).toMatch(/^## `ifrlab\/lab`$/m);
    expect(text).toMatch(/^- `loadCheckpoint` .*\*\(Node\/Deno\)\*/m);
    expect(text).toMatch(/^- `pgd` `\(a: AttackInputs, o: PGDOptions\): Promise<AttackResult>`: PGD\./m);
    expect(text).toMatch(/^- `theory\.solveLimits` /m); // namespace exports are listed member by member
  });

  it('every export has a doc comment', () => {
    expect(undocumented).toEqual([]);
  });
}, 60_000);
