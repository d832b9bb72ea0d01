import { builtinModules } from 'node:module';

// The workflow engine is pure (type:domain): no IO, no clock, no randomness. Node
// built-ins are fenced off from its sources; tests may use them. This file applies when
// ESLint runs in the project (the Nx lint target); the root config can spread
// `workflowPurityFence('libs/workflow/')` to apply it from the workspace root too.
const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))];

/**
 * The fence for any pure lib: `lib` names it in the messages, `allowed` lists the @aether libs it
 * may import (the job decider imports the contracts it decides in; the workflow engine nothing).
 */
export const purityFence = (root = '', { lib = 'libs/workflow', allowed = [] } = {}) => ({
  files: [`${root}src/**/*.ts`],
  ignores: [`${root}src/**/*.spec.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: nodeBuiltins.map((name) => ({
          name,
          message: `${lib} is pure: inject IO instead of importing Node built-ins.`,
        })),
        patterns: [
          {
            group: ['@aether/*', ...allowed.map((name) => `!${name}`)],
            message: `${lib} depends on no @aether lib but ${allowed.join(', ') || 'none'}.`,
          },
          {
            group: ['playwright', 'playwright-core', '@playwright/*'],
            message: `${lib} never drives a browser.`,
          },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'process', message: `${lib} is pure: no process access.` },
      { name: 'setTimeout', message: 'No timers in pure code: its caller owns the clock.' },
      { name: 'setInterval', message: 'No timers in pure code: its caller owns the clock.' },
      { name: 'require', message: 'Use imports.' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'No clock in pure code: inject it.' },
      { object: 'Math', property: 'random', message: 'No randomness in pure code: inject it.' },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'No clock in pure code: inject it.',
      },
    ],
  },
});

export const workflowPurityFence = (root = '') => purityFence(root);
