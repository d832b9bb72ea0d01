export { createReadModelDataSource, READ_MODEL_ENTITIES, READ_MODEL_MIGRATIONS } from './data-source';
export {
  CheckpointStreamChangedError,
  JobProjection,
  type Adoption,
  type ProjectableEvent,
  type ProjectedEvent,
  type StreamIdentity,
} from './job-projection';
export { ReadModelQueries, type JobView, type StepView } from './job-queries';
export type { StepStall } from './entities/job-step.entity';
export { JobRow, type JobAttention } from './entities/job.entity';
// The lifecycle vocabulary is the contracts' (one definition); the API reads it from here too.
export { JOB_STATUSES, type JobStatus } from '@aether/contracts';
export { JobStepRow, type StepStatus } from './entities/job-step.entity';
export { WorkflowRow } from './entities/workflow.entity';
export { CheckpointRow } from './entities/checkpoint.entity';
export { DeadLetterRow } from './entities/dead-letter.entity';
export { FleetQueries, type DeadLetterView } from './fleet-queries';
export {
  readModelProviders,
  READ_MODEL_DATA_SOURCE,
  type ReadModelProviderOptions,
} from './read-model.providers';
export {
  SelectorRow,
  SelectorHealRow,
  HealProposalRow,
  type HealProposalStatus,
} from './entities/healing.entities';
export {
  HealingQueries,
  type HealProposalView,
  type SelectorView,
  type SelectorHealView,
} from './healing-queries';
export { JobCountRow } from './entities/job-count.entity';
export { InvalidCursorError, MetricsQueries, type FleetJobFigures } from './metrics-queries';
export { NodeDurations, WorkflowDurations, type NodeDuration } from './workflow-durations';
export {
  QueueQueries,
  type JobDeadlineView,
  type QueueItemView,
  type QueueSummaryView,
} from './queue-queries';
