// The robot's job runner for benchmarks that run it inside their own process, without NATS
// between the runner and the measurement.
export { JobRunner } from './jobs/job-runner';
export { WorkflowCatalog } from './workflows/workflow-catalog';
