import { builtinModules } from 'node:module';

// The workflow engine is pure (type:domain): no IO, no clock, no randomness. Node
// built-ins are fenced off from its sources; tests may use them. This file applies when
// ESLint runs in the project (the Nx lint target); the root config can spread
// `workflowPurityFence('libs/workflow/')` to apply it from the workspace root too.
const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))];

export const workflowPurityFence = (root = '') => ({
  files: [`${root}src/**/*.ts`],
  ignores: [`${root}src/**/*.spec.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: nodeBuiltins.map((name) => ({
          name,
          message: 'libs/workflow is pure: inject IO instead of importing Node built-ins.',
        })),
        patterns: [
          { group: ['@aether/*'], message: 'libs/workflow depends on no other @aether lib.' },
          {
            group: ['playwright', 'playwright-core', '@playwright/*'],
            message: 'libs/workflow never drives a browser.',
          },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'process', message: 'libs/workflow is pure: no process access.' },
      { name: 'setTimeout', message: 'No timers in the engine: the robot owns the clock.' },
      { name: 'setInterval', message: 'No timers in the engine: the robot owns the clock.' },
      { name: 'require', message: 'Use imports.' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'No clock in the engine: inject it.' },
      { object: 'Math', property: 'random', message: 'No randomness in the engine: inject it.' },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'No clock in the engine: inject it.',
      },
    ],
  },
});
