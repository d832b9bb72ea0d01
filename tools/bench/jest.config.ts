import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// pg-boss 12, htmlparser2's family (jest.esm-only.json) and a few of their dependencies are ES
// modules only, which Jest cannot require on Node 20 (the benchmark itself loads them through
// Node's own require of ES modules): here SWC compiles them to CommonJS like the sources.
const esmOnly: string[] = [
  'pg-boss',
  'serialize-error',
  'non-error',
  'rrule-temporal',
  ...JSON.parse(readFileSync(join(__dirname, '../../jest.esm-only.json'), 'utf8')),
];
const swc = JSON.parse(readFileSync(join(__dirname, '../../.swcrc'), 'utf8'));

export default {
  displayName: 'bench',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  transform: { '^.+\\.(ts|js|mjs)$': ['@swc/jest', swc] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
};
