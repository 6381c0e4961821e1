import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source so a change is tested without a rebuild.
const root = fileURLToPath(new URL('.', import.meta.url));
const workspaces = ['packages', 'apps'].flatMap((folder) =>
  readdirSync(new URL(`${folder}/`, import.meta.url)).map((name) => ({ folder, name })),
);
// Exact names: a subpath such as `@convoy/storage/s3rver` resolves through its package's exports.
const alias = workspaces.map(({ folder, name }) => ({
  find: new RegExp(`^@convoy/${name}$`),
  replacement: `${root}${folder}/${name}/src/index.ts`,
}));

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 120_000,
    // The pinned AWS SDK runs on Node 20; its notice about later releases needing 22 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 300_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
        },
      },
      {
        // Real processes, real Redis, real Chromium: one file at a time, so their timing is not
        // at the mercy of unit tests fighting for the same two cores.
        extends: true,
        test: {
          name: 'e2e',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
