export { auditJob, ChaosPlatform, chaosLine, runChaos, type ChaosOptions, type ChaosReport } from './harness';
export { queueChaosLine, runQueueChaos, type QueueChaosOptions, type QueueChaosReport } from './queues';
export {
  clusterChaosLine,
  runClusterChaos,
  type ClusterChaosOptions,
  type ClusterChaosReport,
} from './cluster';
