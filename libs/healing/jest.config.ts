import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// htmlparser2 and its family ship ES modules only; Jest's CommonJS runtime needs them
// transpiled like our own sources.
const ESM_ONLY = [
  'htmlparser2',
  'domhandler',
  'domutils',
  'dom-serializer',
  'domelementtype',
  'css-select',
  'css-what',
  'boolbase',
  'nth-check',
  'entities',
];
const swc = JSON.parse(readFileSync(join(__dirname, '../../.swcrc'), 'utf8'));

export default {
  displayName: 'healing',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', swc] },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
