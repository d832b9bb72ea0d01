import type { Page } from 'playwright-core';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import type { NodeContext, NodeHandler, NodeLogger } from '../contract';

export interface TestNodeContextOptions {
  readonly jobId?: string;
  readonly stepKey?: string;
  readonly tenantId?: string;
  readonly idempotencyKey?: string;
  readonly page?: () => Promise<Page>;
  readonly artifacts?: ArtifactStore;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly log?: NodeLogger;
}

/** The handler of `type`, or a test failure naming the missing type. */
export function handlerOf(handlers: ReadonlyMap<string, NodeHandler>, type: string): NodeHandler {
  const handler = handlers.get(type);
  if (handler === undefined) throw new Error(`No handler for node type "${type}"`);
  return handler;
}

const quietLog: NodeLogger = { info: () => undefined, warn: () => undefined };

/**
 * A `NodeContext` for handler tests: artifacts in memory (or the given store) named
 * `<jobId>/<name>`, and a page only when one is given.
 */
export function testNodeContext(options: TestNodeContextOptions = {}): NodeContext {
  const jobId = options.jobId ?? 'job-1';
  const stepKey = options.stepKey ?? 'step-1';
  const artifacts = options.artifacts ?? new InMemoryArtifacts();
  return {
    tenantId: options.tenantId ?? 'default',
    jobId,
    stepKey,
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: options.timeoutMs ?? 10_000,
    page: options.page ?? (() => Promise.reject(new Error('This test context has no browser page'))),
    storeArtifact: (kind, name, bytes) => artifacts.put(kind, `${jobId}/${stepKey}/attempt-1/${name}`, bytes),
    readArtifact: (ref) => artifacts.get(ref),
    log: options.log ?? quietLog,
  };
}
