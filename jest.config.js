/** Jest runs the TypeScript sources through ts-jest, transpile-only (isolatedModules in tsconfig);
 * `npm test` type-checks the whole tree with `tsc --noEmit` first. */
module.exports = {
  testEnvironment: 'node',
  // Brings build/ (what bin/ runs) up to date with src/ before any test runs.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  // One worker per core: jest's default leaves one core free (1 worker on a 2-core machine),
  // but many tests wait on processes they start (Prometheus, promtool, tsc, the CLI), so a
  // worker per core keeps both cores busy: the whole suite 550 s -> 361 s on this 2-core machine.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testTimeout: 60000,
};
