/** Jest runs the TypeScript sources through ts-jest in transpile-only mode;
 * `npm test` type-checks the whole tree with `tsc --noEmit` first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testTimeout: 60000,
};
