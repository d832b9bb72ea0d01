export { handlerOf, testNodeContext, type TestNodeContextOptions } from './node-context';
export { runLocally, type LocalRunResult, type LocalStepRun, type RunLocallyOptions } from './run-locally';
export { LocalRuns } from './local-runs';
