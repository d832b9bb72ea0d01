import { catalogEntries, type NodeNeed } from './catalog';

/** What a robot must have to run a workflow: the union of its node types' `needs`. */
export type WorkflowNeeds = Readonly<Record<NodeNeed, boolean>>;

/** The parts of a workflow document `workflowNeeds` reads: node types, in the flow and its subflows. */
export interface FlowNodes {
  readonly nodes?: readonly { readonly type?: unknown }[];
  readonly subflows?: readonly { readonly nodes?: readonly { readonly type?: unknown }[] }[];
}

/**
 * The needs of a workflow, derived from the catalog: a node type that needs a browser
 * makes the whole workflow need one, wherever it sits (a branch, a loop body, a subflow).
 * Unknown types need nothing (validation refuses them elsewhere).
 */
export function workflowNeeds(workflow: FlowNodes): WorkflowNeeds {
  const needs: Record<NodeNeed, boolean> = { browser: false, desktop: false };
  const flows = [workflow, ...(workflow.subflows ?? [])];
  for (const node of flows.flatMap((flow) => flow.nodes ?? [])) {
    const spec = typeof node.type === 'string' ? catalogEntries.get(node.type) : undefined;
    for (const need of spec?.needs ?? []) needs[need] = true;
  }
  return needs;
}
