import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import { purityFence, workflowPurityFence } from './libs/workflow/eslint.purity.mjs';

// Module boundaries on two axes. `type:*` says what may import what (contracts
// only utils, domain only contracts, the robot never a database lib); `scope:*`
// keeps one service's code out of another's.
const depConstraints = [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:domain',
      'type:infra',
      'type:data-access',
      'type:feature',
      'type:util',
      'type:testing',
    ],
  },
  // `type:testing` (real servers for integration tests) is allowed wherever tests live.
  {
    sourceTag: 'type:feature',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:util', 'type:testing'],
  },
  {
    sourceTag: 'type:infra',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:util', 'type:testing'],
  },
  {
    sourceTag: 'type:data-access',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:testing'],
  },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:testing'] },
  // The read API's shapes are built from the wire's vocabulary (job statuses), never copied.
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  // Benchmarks, chaos runs and the dev launcher drive the whole platform: they may use any project.
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['*'] },
  {
    sourceTag: 'scope:robot',
    onlyDependOnLibsWithTags: ['scope:shared', 'scope:robot'],
    notDependOnLibsWithTags: ['type:data-access'],
  },
  // The console runs in a browser: it reads the API's shapes (contracts), never a database lib.
  {
    sourceTag: 'scope:console',
    onlyDependOnLibsWithTags: ['scope:shared', 'scope:console'],
    notDependOnLibsWithTags: ['type:data-access', 'type:infra'],
  },
  ...['gateway', 'scheduler', 'dispatcher', 'robot-registry', 'healer', 'metrics', 'cli', 'demo'].map(
    (scope) => ({
      sourceTag: `scope:${scope}`,
      onlyDependOnLibsWithTags: ['scope:shared', `scope:${scope}`],
    }),
  ),
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/fixtures/**', 'tools/dev/**/*.mjs'] },
  workflowPurityFence('libs/workflow/'),
  purityFence('libs/job-domain/', { lib: 'libs/job-domain', allowed: ['@aether/contracts'] }),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Benchmarks run the robot's job runner in their own process, report the dispatcher's defaults
          // and replay backlogs through its queue order.
          allow: ['@aether/robot/in-process', '@aether/dispatcher/config', '@aether/dispatcher/deadlines'],
          depConstraints,
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // A test that reads an element it has just asserted may say so with `!`.
  { files: ['**/*.spec.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
];
