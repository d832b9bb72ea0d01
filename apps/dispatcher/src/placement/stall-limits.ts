/** A node's measured p99 and the number of completed steps it rests on. */
export interface NodeP99 {
  readonly ms: number;
  readonly steps: number;
}

export interface StallLimitPolicy {
  /** The limit is `factor` × the node's p99. */
  readonly factor: number;
  /** Never below this, in ms: a node whose steps take milliseconds is not stalled by a GC pause. */
  readonly floorMs: number;
}

/**
 * Each workflow node's stall limit (ADR 65): k × its p99, rounded up to a whole ms and at least the
 * floor. The robot holds a step to the earlier of this and its timeout (ADR 61); nodes without
 * enough history are absent (the caller leaves them out) and keep their timeout.
 */
export function stallLimits(
  measured: ReadonlyMap<string, Readonly<Record<string, NodeP99>>>,
  policy: StallLimitPolicy,
): Map<string, Record<string, number>> {
  const limits = new Map<string, Record<string, number>>();
  for (const [workflow, nodes] of measured)
    limits.set(
      workflow,
      Object.fromEntries(
        Object.entries(nodes).map(([node, p99]) => [
          node,
          Math.max(policy.floorMs, Math.ceil(policy.factor * p99.ms)),
        ]),
      ),
    );
  return limits;
}
