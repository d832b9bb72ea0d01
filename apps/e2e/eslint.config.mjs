import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // End-to-end suites drive the apps as black boxes: they start the demo site and the
    // process launcher in tools/dev by path, which module boundaries would forbid.
    files: ['**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
