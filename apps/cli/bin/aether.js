#!/usr/bin/env node
// In a checkout, runs the TypeScript CLI through SWC so `npx aether` needs no build step; in a
// production install (no development dependencies) it runs the build (`npm run build`).
const path = require('node:path');
const root = path.join(__dirname, '../../..');

function installed(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

require('reflect-metadata');
if (installed('@swc-node/register')) {
  process.env.SWC_NODE_PROJECT ??= path.join(root, 'tsconfig.base.json');
  require('@swc-node/register');
  require('../src/main.ts');
} else {
  require(path.join(root, 'dist/apps/cli/src/main.js'));
}
