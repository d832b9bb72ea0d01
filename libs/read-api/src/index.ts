/**
 * The read API's response shapes, defined once: the gateway validates what it sends with them,
 * the OpenAPI document is generated from them, and the console imports their types.
 */
export {
  JOB_SORT_KEYS,
  JOB_STATUSES,
  JOBS_PAGE_SIZE,
  JobListItemSchema,
  JobStatusSchema,
  JobSummarySchema,
  JobsPageSchema,
  JobsQuerySchema,
  PRIORITY_BANDS,
  PriorityBandSchema,
  bandOf,
  type JobListItem,
  type JobSortKey,
  type JobStatus,
  type JobSummary,
  type JobsPage,
  type JobsQuery,
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
export { LIVE_BEARER_PREFIX, LIVE_CHANNELS, LIVE_CLOSE, LIVE_PATH, LIVE_PROTOCOL } from './live-protocol';
export {
  LiveChannelSchema,
  LiveJobUpdateSchema,
  LiveQueueUpdateSchema,
  LiveRobotUpdateSchema,
  LiveSubscribeSchema,
  LiveSubscribedSchema,
  type LiveChannel,
  type LiveFrame,
  type LiveJobUpdate,
  type LiveQueueUpdate,
  type LiveRobotUpdate,
  type LiveSubscribe,
  type LiveSubscribed,
} from './live';
export {
  JobHistoryEventSchema,
  JobHistorySchema,
  type JobHistory,
  type JobHistoryEvent,
} from './job-history';
export { RobotMetricsSchema, RobotTrendPointSchema, type RobotMetrics, type RobotTrendPoint } from './robots';
export {
  HEAL_PROPOSAL_STATUSES,
  HealProposalListSchema,
  HealProposalSchema,
  HookListSchema,
  HookViewSchema,
  QuarantineListSchema,
  QuarantineQuerySchema,
  QuarantinedMessageSchema,
  ScheduleListSchema,
  MailTriggerListSchema,
  MailTriggerViewSchema,
  ScheduleViewSchema,
  type HealProposal,
  type HookView,
  type QuarantineList,
  type QuarantinedMessage,
  type ScheduleView,
  type MailTriggerView,
} from './operations';
export {
  ANALYTICS_BUCKETS,
  AnalyticsQuerySchema,
  AnalyticsSchema,
  type Analytics,
  type AnalyticsQuery,
} from './analytics';
export {
  SubscriptionViewSchema,
  SubscriptionListSchema,
  SubscriptionCreatedSchema,
  ParkedDeliveryListSchema,
  SubscriptionDeliveriesSchema,
  type SubscriptionDeliveries,
  type SubscriptionView,
} from './subscriptions';
export {
  WorkflowVersionListSchema,
  WorkflowVersionSummarySchema,
  type WorkflowVersionList,
  type WorkflowVersionSummary,
} from './workflows';
export {
  JobDeadlineRowSchema,
  QUEUE_ITEM_STATUSES,
  QueueItemListSchema,
  QueueItemRowSchema,
  QueueItemStatusSchema,
  QueueItemsQuerySchema,
  QueueMetricsSchema,
  QueueSummarySchema,
  type JobDeadlineRow,
  type QueueItemList,
  type QueueItemRow,
  type QueueItemStatus,
  type QueueItemsQuery,
  type QueueMetrics,
  type QueueSummary,
} from './queues';
