import type { Page } from 'playwright-core';

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
  /** Aborted on timeout, cancellation or robot shutdown: stop waiting and throw. */
  readonly signal: AbortSignal;
  /** The job's browser page (one context per job, created on first use). */
  page(): Promise<Page>;
  /**
   * Stores a large artifact (screenshot, download, DOM snapshot) and returns its reference.
   * `name` is unique within the step (handlers pass e.g. `<stepKey>.png`); the robot
   * namespaces it by tenant and job.
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
   * timeout (Playwright waits). `signal` aborts at the same moment. Default `30000`.
   */
  readonly timeoutMs?: number;
  readonly log: NodeLogger;
}

export interface NodeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
