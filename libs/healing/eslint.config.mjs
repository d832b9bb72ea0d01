import baseConfig from '../../eslint.config.mjs';

// The healing core is pure and runs in the robot and in browsers' neighbourhood: no Node
// built-ins and no Playwright in library code (tests may use both). Pages are typed
// structurally (PageLike) instead.
const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'process',
  'stream',
  'tls',
  'url',
  'util',
  'vm',
  'worker_threads',
  'zlib',
];

export default [
  ...baseConfig,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'playwright', 'playwright-core'].map((name) => ({
            name,
            message: 'keep @aether/healing pure: no Node built-ins or Playwright outside tests',
          })),
          patterns: [
            { group: ['node:*'], message: 'keep @aether/healing pure: no Node built-ins outside tests' },
          ],
        },
      ],
    },
  },
];
