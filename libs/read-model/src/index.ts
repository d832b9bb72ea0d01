export { createReadModelDataSource, READ_MODEL_ENTITIES, READ_MODEL_MIGRATIONS } from './data-source';
export { JobProjection, type ProjectableEvent, type ProjectedEvent } from './job-projection';
export { ReadModelQueries, type JobView, type StepView } from './job-queries';
export { JobRow, type JobStatus, type JobAttention } from './entities/job.entity';
export { JobStepRow, type StepStatus } from './entities/job-step.entity';
export { WorkflowRow } from './entities/workflow.entity';
export { CheckpointRow } from './entities/checkpoint.entity';
export { readModelProviders, READ_MODEL_DATA_SOURCE, type ReadModelProviderOptions } from './read-model.providers';
