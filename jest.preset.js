// Shared Jest settings for every project: SWC transpiles TypeScript (with the
// decorator metadata NestJS needs) and tsconfig path aliases map to lib sources.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/', '\\/')}$`,
    path.join(__dirname, target),
  ]),
);

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      JSON.parse(require('node:fs').readFileSync(path.join(__dirname, '.swcrc'), 'utf8')),
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/?(*.)+(spec).ts'],
  // Integration suites start real servers; end-to-end suites raise this further themselves.
  // Jest reads the timeout from the config it was started with, so the root config takes it from
  // here too: `jest -c <project>/jest.config.ts` and `npm test` wait alike.
  testTimeout: 30_000,
};
