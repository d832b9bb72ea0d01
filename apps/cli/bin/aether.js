#!/usr/bin/env node
// Runs the TypeScript CLI through SWC so `npx aether` needs no build step.
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '../../../tsconfig.base.json');
require('@swc-node/register');
require('reflect-metadata');
require('../src/main.ts');
