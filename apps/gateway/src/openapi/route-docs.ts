import type { z } from 'zod';
import { DispatchPolicySchema, QueuePolicySchema, RobotControlReplySchema } from '@aether/contracts';
import {
  AnalyticsQuerySchema,
  AnalyticsSchema,
  FleetMetricsSchema,
  JobHistorySchema,
  JobsPageSchema,
  HealProposalListSchema,
  HookListSchema,
  JobsQuerySchema,
  QuarantineListSchema,
  QuarantineQuerySchema,
  ParkedDeliveryListSchema,
  QueueItemListSchema,
  QueueItemsQuerySchema,
  QueueMetricsSchema,
  RobotMetricsSchema,
  ScheduleListSchema,
  MailTriggerListSchema,
  SubscriptionCreatedSchema,
  SubscriptionDeliveriesSchema,
  SubscriptionListSchema,
  SubscriptionViewSchema,
  WorkflowVersionListSchema,
} from '@aether/read-api';
import { CreateBody as CreateApiKeyBody } from '../auth/api-keys.controller';
import { SignIn } from '../auth/auth.controller';
import { NoteBody } from '../common/validation';
import { ListQuery as DeadLetterQuery } from '../dead-letters/dead-letters.controller';
import { HealQuery, ProposalQuery, SelectorQuery } from '../healing/healing.controller';
import { CreateBody as CreateHookBody } from '../hooks/hooks.controller';
import { ArtifactQuery } from '../jobs/job-artifacts.controller';
import { CancelBody } from '../jobs/job-control.controller';
import { ListQuery as JobListQuery } from '../jobs/jobs.controller';
import { AddItemBody } from '../queues/queues.controller';
import { DestroyKeyBody, PutBody as PutSecretBody } from '../secrets/secrets.controller';
import { ListQuery as RobotListQuery } from '../robots/robots.controller';
import { EnrolBody, EnrolmentBody } from '../robot-credentials/robot-credentials.controller';
import { CreateBody as CreateScheduleBody } from '../schedules/schedules.controller';
import { CreateMailTriggerBody } from '../mail-triggers/mail-triggers.controller';
import {
  CreateBody as CreateSubscriptionBody,
  RedeliverBody,
} from '../subscriptions/subscriptions.controller';
import { ShowQuery as ShowWorkflowQuery, TriggerBody } from '../workflows/workflows.controller';

/** What the OpenAPI document says of one route; the schemas are the ones the route parses with. */
export interface RouteDoc {
  readonly tag: string;
  readonly summary: string;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Only where the route parses its answer with it. */
  readonly response?: z.ZodType;
  /** The answer's media type when it is not JSON. */
  readonly responseType?: string;
  /** A body other than JSON is accepted too (YAML workflows). */
  readonly bodyTypes?: readonly string[];
}

/**
 * Every route the gateway serves, keyed like the route table (`<METHOD> <Nest path>`); a test
 * holds it, the route table and Nest's routes to the same set.
 */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /health': { tag: 'service', summary: "The service and its dependencies' health" },
  'GET /health/live': {
    tag: 'service',
    summary: 'Whether the process should be restarted: its NATS connection closed for good (liveness)',
  },
  'GET /metrics': {
    tag: 'service',
    summary: "Prometheus figures of the gateway's process and consumers",
    responseType: 'text/plain',
  },
  'GET /api/docs': { tag: 'service', summary: 'This document, browsable (Swagger UI)' },
  'GET /api/docs/openapi.json': { tag: 'service', summary: 'This document (OpenAPI 3)' },

  'POST /api/v1/auth/token': {
    tag: 'auth',
    summary: 'Sign in: an access token for a user name and password',
    body: SignIn,
  },
  'GET /api/v1/auth/jwks': { tag: 'auth', summary: "The embedded issuer's public keys (JWKS)" },
  'GET /api/v1/auth/me': { tag: 'auth', summary: 'Who the caller is: subject, tenant, role' },
  'GET /api/v1/auth/api-keys': { tag: 'auth', summary: "The tenant's API keys (never their secrets)" },
  'POST /api/v1/auth/api-keys': {
    tag: 'auth',
    summary: 'Create an API key; its secret is shown once',
    body: CreateApiKeyBody,
  },
  'DELETE /api/v1/auth/api-keys/:keyId': { tag: 'auth', summary: 'Revoke an API key' },

  'GET /api/v1/workflows': { tag: 'workflows', summary: 'Workflows, the latest version of each' },
  'POST /api/v1/workflows': {
    tag: 'workflows',
    summary: 'Store a new workflow version (JSON or YAML); 400 lists every problem',
    bodyTypes: ['application/json', 'application/yaml'],
  },
  'GET /api/v1/workflows/:workflowId': {
    tag: 'workflows',
    summary: 'The latest version of a workflow, or `?version=N`',
    query: ShowWorkflowQuery,
  },
  'GET /api/v1/workflows/:workflowId/versions': {
    tag: 'workflows',
    summary: 'Every published version of a workflow, newest first',
    response: WorkflowVersionListSchema,
  },
  'POST /api/v1/workflows/:workflowId/trigger': {
    tag: 'workflows',
    summary:
      'Start a job (Idempotency-Key: one job per key); 400 names each input the version it runs refuses, 404 an unknown workflow or version',
    body: TriggerBody,
  },
  'GET /api/v1/workflows/:workflowId/dispatch-policy': {
    tag: 'workflows',
    summary: "The workflow's dispatch policy",
    response: DispatchPolicySchema,
  },
  'PUT /api/v1/workflows/:workflowId/dispatch-policy': {
    tag: 'workflows',
    summary: 'Set the dispatch policy of a published workflow (404 names an unknown one)',
    body: DispatchPolicySchema,
  },
  'DELETE /api/v1/workflows/:workflowId/dispatch-policy': {
    tag: 'workflows',
    summary: 'Back to the default policy',
  },

  'GET /api/v1/jobs': { tag: 'jobs', summary: 'Jobs, newest first', query: JobListQuery },
  'GET /api/v1/jobs/:jobId': {
    tag: 'jobs',
    summary: 'One job: status, per-step timeline, outputs, attention',
  },
  'GET /api/v1/jobs/:jobId/events': {
    tag: 'jobs',
    summary: "The job's history from the event store",
    response: JobHistorySchema,
  },
  'GET /api/v1/jobs/:jobId/artifact': {
    tag: 'jobs',
    summary:
      "A step's stored artifact (failure screenshot, DOM snapshot as text, heal crop) named by the job's events",
    query: ArtifactQuery,
    responseType: 'application/octet-stream',
  },
  'POST /api/v1/jobs/:jobId/cancel': {
    tag: 'jobs',
    summary: 'Cancel: at once when waiting, after the current step when running',
    body: CancelBody,
  },
  'POST /api/v1/jobs/:jobId/retry-step': {
    tag: 'jobs',
    summary: 'Run the ambiguous step again',
    body: NoteBody,
  },
  'POST /api/v1/jobs/:jobId/skip-step': {
    tag: 'jobs',
    summary: 'Treat the ambiguous step as done',
    body: NoteBody,
  },
  'POST /api/v1/jobs/:jobId/fail': { tag: 'jobs', summary: 'End the job as failed', body: NoteBody },

  'GET /api/v1/robots': {
    tag: 'robots',
    summary: 'The fleet: capabilities, presence, load',
    query: RobotListQuery,
  },
  'GET /api/v1/robots/:robotId': { tag: 'robots', summary: 'One robot' },
  'POST /api/v1/robots/:robotId/drain': {
    tag: 'robots',
    summary: 'Drain one robot: no new work, it finishes its jobs, then exits (404: not connected)',
    response: RobotControlReplySchema,
  },
  'POST /api/v1/robots/:robotId/stop': {
    tag: 'robots',
    summary: 'Stop one robot: its jobs are released after their current step, then it exits',
    response: RobotControlReplySchema,
  },
  'POST /api/v1/robots/:robotId/enrolment': {
    tag: 'robots',
    summary: 'A one-time enrolment token for a robot’s NATS credentials (shown once)',
    body: EnrolmentBody,
  },
  'POST /api/v1/robots/enrol': {
    tag: 'robots',
    summary: 'A robot exchanges its enrolment token and public key for its NATS user JWT',
    body: EnrolBody,
  },
  'POST /api/v1/robots/:robotId/revoke': {
    tag: 'robots',
    summary: 'Revoke a robot’s NATS credentials: its connections close at once',
  },

  'GET /api/v1/metrics/fleet': {
    tag: 'metrics',
    summary: 'The Fleet page: robots, jobs per status, queue depth',
    response: FleetMetricsSchema,
  },
  'GET /api/v1/metrics/jobs': {
    tag: 'metrics',
    summary: 'The Jobs page: one page of jobs, filtered and sorted, by cursor',
    query: JobsQuerySchema,
    response: JobsPageSchema,
  },
  'GET /api/v1/metrics/analytics': {
    tag: 'metrics',
    summary: 'The Analytics page: throughput, success rate, durations per workflow, errors, retries, heals',
    query: AnalyticsQuerySchema,
    response: AnalyticsSchema,
  },
  'GET /api/v1/metrics/robots/:robotId': {
    tag: 'metrics',
    summary: 'The Robot page: host, version, pools, current job, 24-hour vitals trend, latest jobs',
    response: RobotMetricsSchema,
  },
  'GET /api/v1/metrics/queues': {
    tag: 'metrics',
    summary:
      'The Queues page: items per status, deadlines at risk and missed, SLA met, per queue; flagged jobs',
    response: QueueMetricsSchema,
  },
  'GET /api/v1/metrics/queues/:queue/items': {
    tag: 'metrics',
    summary: "A queue's items, newest first: of one status, or at risk / missed",
    query: QueueItemsQuerySchema,
    response: QueueItemListSchema,
  },

  'GET /api/v1/dead-letters': {
    tag: 'dead letters',
    summary: 'Jobs that ran out of retries',
    query: DeadLetterQuery,
  },
  'GET /api/v1/dead-letters/:id': { tag: 'dead letters', summary: 'One dead letter' },
  'POST /api/v1/dead-letters/:id/requeue': {
    tag: 'dead letters',
    summary: 'Send the job back with a fresh retry schedule',
    body: NoteBody,
  },

  'GET /api/v1/schedules': {
    tag: 'schedules',
    summary: 'Cron schedules with their next and last fire (a refused one says why it started no job)',
    response: ScheduleListSchema,
  },
  'POST /api/v1/schedules': {
    tag: 'schedules',
    summary:
      'Create a cron schedule of a published workflow; 400 names each variable the version it runs refuses, 404 an unknown workflow or version',
    body: CreateScheduleBody,
  },
  'GET /api/v1/schedules/:scheduleId': {
    tag: 'schedules',
    summary: 'One schedule and its last 50 fires (a refused one says why it started no job)',
  },
  'POST /api/v1/schedules/:scheduleId/pause': { tag: 'schedules', summary: 'Pause a schedule' },
  'POST /api/v1/schedules/:scheduleId/resume': { tag: 'schedules', summary: 'Resume a schedule' },
  'DELETE /api/v1/schedules/:scheduleId': { tag: 'schedules', summary: 'Delete a schedule' },

  'GET /api/v1/mail-triggers': {
    tag: 'mail triggers',
    summary: 'Mail triggers with the last message each fired for (a refused one says why it started no job)',
    response: MailTriggerListSchema,
  },
  'POST /api/v1/mail-triggers': {
    tag: 'mail triggers',
    summary:
      'Create a mail trigger: a job per new message of a mailbox (its URL a secret, by name); 400 names each input the version refuses (its variables, and "mail"), 404 an unknown workflow or version',
    body: CreateMailTriggerBody,
  },
  'GET /api/v1/mail-triggers/:triggerId': {
    tag: 'mail triggers',
    summary: 'One mail trigger and its last fires',
  },
  'POST /api/v1/mail-triggers/:triggerId/pause': { tag: 'mail triggers', summary: 'Pause a mail trigger' },
  'POST /api/v1/mail-triggers/:triggerId/resume': { tag: 'mail triggers', summary: 'Resume a mail trigger' },
  'DELETE /api/v1/mail-triggers/:triggerId': { tag: 'mail triggers', summary: 'Delete a mail trigger' },

  'GET /api/v1/hooks': { tag: 'hooks', summary: 'Webhook triggers', response: HookListSchema },
  'POST /api/v1/hooks': {
    tag: 'hooks',
    summary:
      'Create a webhook trigger of a published workflow (400 names each variable the version refuses, 404 an unknown workflow or version); its secret is shown once',
    body: CreateHookBody,
  },
  'GET /api/v1/hooks/:hookId': { tag: 'hooks', summary: 'One webhook trigger' },
  'POST /api/v1/hooks/:hookId/pause': { tag: 'hooks', summary: 'Pause a webhook trigger' },
  'POST /api/v1/hooks/:hookId/resume': { tag: 'hooks', summary: 'Resume a webhook trigger' },
  'DELETE /api/v1/hooks/:hookId': { tag: 'hooks', summary: 'Delete a webhook trigger' },
  'POST /api/v1/hooks/:hookId': {
    tag: 'hooks',
    summary:
      'A delivery, signed with HMAC-SHA256 (X-Aether-Signature); 400 names each input the version it runs refuses, and no job starts',
  },

  'GET /api/v1/healing/proposals': {
    tag: 'healing',
    summary: 'Proposals of healed selectors',
    query: ProposalQuery,
    response: HealProposalListSchema,
  },
  'GET /api/v1/healing/proposals/:id': { tag: 'healing', summary: 'One proposal with its patch' },
  'POST /api/v1/healing/proposals/:id/approve': {
    tag: 'healing',
    summary: 'Approve: publishes a new workflow version',
    body: NoteBody,
  },
  'POST /api/v1/healing/proposals/:id/reject': {
    tag: 'healing',
    summary: 'Reject a proposal',
    body: NoteBody,
  },
  'GET /api/v1/healing/selectors': {
    tag: 'healing',
    summary: 'Recorded selectors with fragility and heal counts',
    query: SelectorQuery,
  },
  'GET /api/v1/healing/heals': { tag: 'healing', summary: 'Every heal, newest first', query: HealQuery },

  'GET /api/v1/secrets': {
    tag: 'secrets',
    summary: "The tenant's secrets: names, when and by whom (never values)",
  },
  'PUT /api/v1/secrets/:name': {
    tag: 'secrets',
    summary: 'Write a secret into the vault; only robots running a job read it back',
    body: PutSecretBody,
  },
  'DELETE /api/v1/secrets/:name': { tag: 'secrets', summary: 'Remove a secret' },
  'POST /api/v1/secrets/destroy-key': {
    tag: 'secrets',
    summary: "Destroy the tenant's data key: every secret of the tenant is unreadable for good (admin)",
    body: DestroyKeyBody,
  },
  'POST /api/v1/secrets/rotate-key': {
    tag: 'secrets',
    summary:
      "Rotate the tenant's data key: every secret resealed under a new one, the old key dropped (admin)",
  },

  'GET /api/v1/quarantine': {
    tag: 'quarantine',
    summary: "Messages set aside with the reason: the tenant's, newest first, never their bodies",
    query: QuarantineQuerySchema,
    response: QuarantineListSchema,
  },

  'GET /api/v1/queues/:queue': {
    tag: 'queues',
    summary: "A work queue's policy and its trigger's last fire (a refused one says why it started no job)",
  },
  'PUT /api/v1/queues/:queue': {
    tag: 'queues',
    summary:
      "Set a work queue's policy; its trigger's workflow must be published (404) and take { queue } alone (400 names each input it refuses)",
    body: QueuePolicySchema,
  },
  'POST /api/v1/queues/:queue/items': {
    tag: 'queues',
    summary: 'Add an item to a work queue',
    body: AddItemBody,
  },
  'GET /api/v1/queues/:queue/items/:itemId': { tag: 'queues', summary: 'One queue item' },

  'GET /api/v1/subscriptions': {
    tag: 'subscriptions',
    summary: 'Outbound subscriptions to job events (never their secrets)',
    response: SubscriptionListSchema,
  },
  'POST /api/v1/subscriptions': {
    tag: 'subscriptions',
    summary: 'Subscribe an HTTPS endpoint to job events; the signing secret is shown once',
    body: CreateSubscriptionBody,
    response: SubscriptionCreatedSchema,
  },
  'GET /api/v1/subscriptions/:subscriptionId': {
    tag: 'subscriptions',
    summary: 'One subscription',
    response: SubscriptionViewSchema,
  },
  'DELETE /api/v1/subscriptions/:subscriptionId': {
    tag: 'subscriptions',
    summary: 'Remove a subscription, its consumer, secret and parked deliveries',
  },
  'POST /api/v1/subscriptions/:subscriptionId/redeliver': {
    tag: 'subscriptions',
    summary: 'Deliver again, in order, every event from a sequence or a time on (releases what was parked)',
    body: RedeliverBody,
    response: SubscriptionViewSchema,
  },
  'GET /api/v1/subscriptions/:subscriptionId/parked': {
    tag: 'subscriptions',
    summary: 'Deliveries that kept failing, kept until a redelivery covers them',
    response: ParkedDeliveryListSchema,
  },
  'GET /api/v1/subscriptions/:subscriptionId/deliveries': {
    tag: 'subscriptions',
    summary:
      "The Subscriptions page: the consumer's position (delivered, waiting, in flight) and parked deliveries",
    response: SubscriptionDeliveriesSchema,
  },
};
