import type { SelectorPatch } from '@aether/contracts';

export interface PatchResult {
  /** The workflow document with the patched selectors (the input is not changed). */
  readonly definition: Record<string, unknown>;
  readonly applied: SelectorPatch[];
  /** Patches whose node no longer holds the selector that broke (or no longer exists). */
  readonly skipped: SelectorPatch[];
}

interface NodeLike {
  id?: unknown;
  params?: Record<string, unknown>;
}

/**
 * Replaces `params.selector` of each patched node — in the main flow and in subflows — where
 * it still equals the selector that broke; a `version` field is dropped (the store assigns it).
 */
export function patchSelectors(
  definition: Record<string, unknown>,
  patches: readonly SelectorPatch[],
): PatchResult {
  const copy = structuredClone(definition);
  delete copy['version'];
  const flows = [copy, ...((copy['subflows'] as Record<string, unknown>[] | undefined) ?? [])];
  const nodes = flows.flatMap((flow) => (flow['nodes'] as NodeLike[] | undefined) ?? []);
  const applied: SelectorPatch[] = [];
  const skipped: SelectorPatch[] = [];
  for (const patch of patches) {
    const targets = nodes.filter(
      (node) => node.id === patch.nodeId && node.params?.['selector'] === patch.from,
    );
    for (const node of targets) if (node.params) node.params['selector'] = patch.to;
    (targets.length > 0 ? applied : skipped).push(patch);
  }
  return { definition: copy, applied, skipped };
}
