/** Jest runs the TypeScript sources through ts-jest, transpile-only (isolatedModules in tsconfig);
 * `npm test` type-checks the whole tree with `tsc --noEmit` first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testTimeout: 60000,
};
