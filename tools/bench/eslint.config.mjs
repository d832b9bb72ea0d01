import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Benchmarks drive the apps as black boxes and measure their parts in place: they start the
    // process launcher in tools/dev and load app modules by path, which module boundaries would forbid.
    files: ['**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
