import { DataSource } from 'typeorm';
import { CheckpointRow } from './entities/checkpoint.entity';
import { JobStepRow } from './entities/job-step.entity';
import { JobRow } from './entities/job.entity';
import { WorkflowRow } from './entities/workflow.entity';
import { InitialReadModel1764140000000 } from './migrations/1764140000000-initial-read-model';
import { JobControl1764150000000 } from './migrations/1764150000000-job-control';
import { Fleet1764160000000 } from './migrations/1764160000000-fleet';
import { DeadLetterRow } from './entities/dead-letter.entity';
import { HealProposalRow, SelectorHealRow, SelectorRow } from './entities/healing.entities';
import { Healing1764170000000 } from './migrations/1764170000000-healing';
import { JobsByTime1764180000000 } from './migrations/1764180000000-jobs-by-time';
import { JobCounts1765021000000 } from './migrations/1765021000000-job-counts';
import { JobListIndexes1765030000000 } from './migrations/1765030000000-job-list-indexes';
import { AnalyticsRollups1765040000000 } from './migrations/1765040000000-analytics-rollups';
import { SparseDurationHistograms1765047000000 } from './migrations/1765047000000-sparse-duration-histograms';
import { DailyJobRollup1765050000000 } from './migrations/1765050000000-daily-job-rollup';
import { JobCountRow } from './entities/job-count.entity';
import { QueuesAndDeadlines1765060000000 } from './migrations/1765060000000-queues-and-deadlines';
import { NodeDurations1765061000000 } from './migrations/1765061000000-node-durations';
import { HourlyDurationQuantiles1765070000000 } from './migrations/1765070000000-hourly-duration-quantiles';
import { CheckpointStream1765080000000 } from './migrations/1765080000000-checkpoint-stream';

export const READ_MODEL_ENTITIES = [
  JobRow,
  JobStepRow,
  WorkflowRow,
  CheckpointRow,
  DeadLetterRow,
  SelectorRow,
  SelectorHealRow,
  HealProposalRow,
  JobCountRow,
];
export const READ_MODEL_MIGRATIONS = [
  InitialReadModel1764140000000,
  JobControl1764150000000,
  Fleet1764160000000,
  Healing1764170000000,
  JobsByTime1764180000000,
  JobCounts1765021000000,
  JobListIndexes1765030000000,
  AnalyticsRollups1765040000000,
  SparseDurationHistograms1765047000000,
  DailyJobRollup1765050000000,
  QueuesAndDeadlines1765060000000,
  NodeDurations1765061000000,
  HourlyDurationQuantiles1765070000000,
  CheckpointStream1765080000000,
];

/** The read model's schema comes from migrations only; `synchronize` stays off. */
export function createReadModelDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: READ_MODEL_ENTITIES,
    migrations: READ_MODEL_MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: options.poolSize ?? 10 },
  });
}
