import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// htmlparser2 and its family (jest.esm-only.json) ship ES modules only; Jest's CommonJS runtime
// needs them transpiled like our own sources.
const ESM_ONLY: string[] = JSON.parse(readFileSync(join(__dirname, '../../jest.esm-only.json'), 'utf8'));
const swc = JSON.parse(readFileSync(join(__dirname, '../../.swcrc'), 'utf8'));

export default {
  displayName: 'healing',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', swc] },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
