import baseConfig from '../../eslint.config.mjs';
import { workflowPurityFence } from './eslint.purity.mjs';

export default [...baseConfig, workflowPurityFence()];
