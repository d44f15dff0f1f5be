/** Jest in ESM mode: ts-jest compiles TypeScript to ESM, node --experimental-vm-modules runs it. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // e2e tests start the real CLI; the machine has 2 cores.
  maxWorkers: 2,
  testTimeout: 120000,
};
