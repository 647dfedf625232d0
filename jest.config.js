/** Jest runs the TypeScript sources through ts-jest, transpile-only (isolatedModules in tsconfig);
 * `npm test` type-checks the whole tree with `tsc --noEmit` first. */
module.exports = {
  testEnvironment: 'node',
  // Brings build/ (what bin/ runs) up to date with src/ before any test runs.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testTimeout: 60000,
};
