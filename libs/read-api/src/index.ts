/**
 * The read API's response shapes, defined once: the gateway validates what it sends with them,
 * the OpenAPI document is generated from them, and the console imports their types.
 */
export {
  JOB_STATUSES,
  JobStatusSchema,
  JobSummarySchema,
  PRIORITY_BANDS,
  PriorityBandSchema,
  bandOf,
  type JobStatus,
  type JobSummary,
  type PriorityBand,
} from './jobs';
export {
  FleetMetricsSchema,
  FleetRobotSchema,
  ROBOT_STATES,
  RobotStateSchema,
  type FleetMetrics,
  type FleetRobot,
  type RobotState,
} from './fleet';
