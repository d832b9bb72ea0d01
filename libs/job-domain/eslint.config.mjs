import baseConfig from '../../eslint.config.mjs';
import { purityFence } from '../workflow/eslint.purity.mjs';

// The job's decider is pure like the workflow engine: no IO, no clock, no randomness.
export default [...baseConfig, purityFence('', { lib: 'libs/job-domain', allowed: ['@aether/contracts'] })];
