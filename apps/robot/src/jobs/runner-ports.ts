import type { WorkMessage } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import type { NodeContext, NodeHandler } from '@aether/nodes';
import type { Logger } from '@aether/service-kit';
import type { Page } from 'playwright-core';
import type { StepHealing } from '../healing/step-healing';
import type { JobSecrets } from '../secrets';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';

/** A job's browser: created on first use, closed when the job ends on this robot. */
export interface BrowserSession {
  page(): Promise<Page>;
  close(): Promise<void>;
}

/** The self-healing part of a step's context (absent: no healing, no fingerprints). */
export type StepHooks = Partial<Pick<NodeContext, 'healing' | 'recordTarget' | 'heal'>>;

/** What the job runner works through: its ports, each replaceable by a small fake in a unit spec. */
export interface JobRunnerDeps {
  store: Pick<EventStore, 'read' | 'append'>;
  workflows: Pick<WorkflowCatalog, 'get'>;
  handlers: ReadonlyMap<string, NodeHandler>;
  openBrowser(jobId: string): BrowserSession;
  storeArtifact(kind: string, name: string, bytes: Uint8Array): Promise<string>;
  readArtifact?(ref: string): Promise<Uint8Array>;
  /** `name` is unique to the job and step; artifacts are stored under it. */
  captureFailure?(page: Page, name: string): Promise<{ kind: string; ref: string }[]>;
  /** A screenshot of a page a stalled step may have left mid-navigation (ADR 61). */
  captureStalled?(page: Page, name: string): Promise<{ kind: string; ref: string }[]>;
  /** Secrets from the robot's environment: the development fallback when `jobSecrets` is absent. */
  secret(name: string): string | undefined;
  /** The vault: secrets fetched at the step that needs them, for this job only (ADR 36). */
  jobSecrets?: JobSecrets;
  /** Fingerprints and heals of element steps (issue 6); absent: selectors are never healed. */
  healing?: Pick<StepHealing, 'hooksFor'>;
  robotId: string;
  logger: Logger;
  now?: () => number;
  /** Each claim's own part of its commit ids (ADR 103). Default: 8 random hex digits. */
  claimNonce?: () => string;
}

/** How a claim ended, which decides what happens to the work message. */
export type RunOutcome =
  | 'completed' // ack
  | 'failed' // ack: the failure is recorded
  | 'already-finished' // ack: a duplicate delivery of a finished job, or one no robot may run now
  | 'parked' // ack: the job waits for an operator (ambiguous step)
  | 'cancelled' // ack
  | 'fenced' // no ack: another robot holds the job now
  | 'superseded' // ack: a first placement whose job was placed again, claimed elsewhere or ended (ADR 26)
  | 'released'; // nak at once: this robot is shutting down

export interface Claim {
  readonly work: WorkMessage;
  readonly delivery: number;
  /** Aborts when the robot must stop starting new steps. */
  readonly stopping: AbortSignal;
  /** Aborts the running step (shutdown grace period exceeded). */
  readonly abortStep: AbortSignal;
  /** Aborts when a cancel request for this job reaches the robot. */
  readonly cancelled: AbortSignal;
  /**
   * Called once, in the same tick as the claim's last commit is sent, so the lease can be
   * settled in the same socket write (ADR 24). From then on that commit is retried until it
   * lands or the robot stops: a robot that stops is failed over by the dispatcher.
   */
  readonly release?: () => void;
}
