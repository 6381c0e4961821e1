import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source so a change is tested without a rebuild.
const root = fileURLToPath(new URL('.', import.meta.url));
const alias = Object.fromEntries(
  readdirSync(new URL('packages/', import.meta.url)).map((name) => [
    `@convoy/${name}`,
    `${root}packages/${name}/src/index.ts`,
  ]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
