import { defineConfig } from 'vitest/config';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The library finds data only through --data-dir / $IFRLAB_DATA (default ./data); the
// tests use this workplace's shared copy when it is there (CI sets IFRLAB_DATA itself).
const shared = fileURLToPath(new URL('../shared/data', import.meta.url));
const env = !process.env.IFRLAB_DATA && existsSync(shared) ? { IFRLAB_DATA: shared } : {};

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env,
  },
});
