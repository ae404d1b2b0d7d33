import { defineConfig } from 'vitest/config';

// Forks rather than threads: TensorFlow.js keeps one global engine per process, and
// the wasm backend is happiest in a plain Node process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
