import type { Frame, Page } from 'playwright-core';

/**
 * A node type's implementation: IO lives here, never in the engine. Its params arrive
 * already validated against the node's schema in the workflow catalog and resolved.
 */
export interface NodeHandler<TParams = Record<string, unknown>> {
  readonly type: string;
  execute(params: TParams, context: NodeContext): Promise<NodeOutput>;
}

/** JSON-serializable step output, recorded in `StepCompleted`. Large blobs go to `artifacts`. */
export type NodeOutput = Record<string, unknown>;

export interface NodeContext {
  readonly tenantId: string;
  readonly jobId: string;
  readonly stepKey: string;
  /**
   * The workflow node's `idempotencyKey`, evaluated. A handler that honours it makes a run
   * after an ambiguous one take effect once (`db.execute` keeps a ledger keyed by job, step
   * and key in the statement's own transaction). Absent when the node declares none.
   */
  readonly idempotencyKey?: string;
  /** Aborted on timeout, cancellation or robot shutdown: stop waiting and throw. */
  readonly signal: AbortSignal;
  /** The job's browser page (one context per job, created on first use). */
  page(): Promise<Page>;
  /**
   * Stores a large artifact (screenshot, download, DOM snapshot) and returns its reference.
   * `name` is unique within the step attempt (a file name such as `screenshot.png`, or a
   * relative path); the runner namespaces it by tenant, job, step and attempt, so a retried
   * step keeps each attempt's artifacts and replaces none (a robot may not purge, ADR 88).
   */
  storeArtifact(kind: string, name: string, bytes: Uint8Array): Promise<string>;
  /**
   * Reads an artifact by the reference `storeArtifact` returned (a `file` param of
   * `browser.upload` or `data.csvParse` may be one). The robot refuses other tenants'
   * references. Absent: such params accept only paths inside the allowed folder.
   */
  readArtifact?(ref: string): Promise<Uint8Array>;
  /**
   * The step's time budget in milliseconds, passed to libraries that take their own
   * timeout (Playwright waits). A wait on it that ends with nothing to show throws
   * `StepTimeoutError` (a stall, ADR 82); one that ends with a finding throws the finding. The
   * robot's `signal` aborts 1 s after the step's stall limit (this, or k × its p99 when earlier).
   * Default `30000`.
   */
  readonly timeoutMs?: number;
  /**
   * What the robot's watchdog holds the step to (ADR 61): its limit in ms (the timeout, or k × its
   * p99 when earlier) and whether it may run again. Reported in heartbeats; handlers ignore it.
   */
  readonly stall?: { readonly limitMs: number; readonly idempotent: boolean };
  readonly log: NodeLogger;
  /**
   * What an element step does when its selector matches nothing or several elements: the
   * node's `healing` param, else the workflow's `defaults.healing`. Default `off`: fail with
   * `ElementNotFoundError` after the step's timeout, as without healing. With `heal` or
   * `heal-and-pause` (and a `heal` hook) a missing element is noticed after a short probe
   * (`HEAL_PROBE_MS`) and `heal` is asked for a replacement.
   */
  readonly healing?: HealingMode;
  /**
   * Called when an element step's `selector` (not a healed one) found exactly one element, just
   * before the step acts on it (a click may navigate away): the robot records the element's
   * fingerprint the first time. Best effort: a failure here never fails the step.
   */
  recordTarget?(target: ElementTarget): Promise<void>;
  /**
   * Called when `selector` matched nothing (or several elements) and the policy is not `off`.
   * Resolves to the healed selector to act on, or to a refusal whose message the step fails
   * with (`ElementNotFoundError`). Under `heal-and-pause` it rejects with
   * `HealApprovalNeededError` after recording the proposal, and the job waits for an operator.
   */
  heal?(request: HealRequest): Promise<HealOutcome>;
}

/** `off` | `heal` | `heal-and-pause`; see `NodeContext.healing`. */
export type HealingMode = 'off' | 'heal' | 'heal-and-pause';

/** The element a step targeted: its selector and the frame it was resolved in. */
export interface ElementTarget {
  readonly selector: string;
  readonly frame: Frame;
}

export interface HealRequest extends ElementTarget {
  /** `not-found`: nothing matched; `ambiguous`: several elements matched. */
  readonly problem: 'not-found' | 'ambiguous';
  readonly matchCount: number;
  readonly policy: Exclude<HealingMode, 'off'>;
}

export type HealOutcome =
  | { readonly status: 'healed'; readonly selector: string }
  /** `message` says why, e.g. `element not found: #a; best candidate #b at confidence 0.41 refused (low-confidence)`. */
  | { readonly status: 'refused'; readonly message: string };

export interface NodeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
