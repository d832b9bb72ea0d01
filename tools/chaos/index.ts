export { auditJob, ChaosPlatform, chaosLine, runChaos, type ChaosOptions, type ChaosReport } from './harness';
