import type { Problem, Workflow } from './contract';
import { checkInputs, withInputDefaults, type InputCheckOptions } from './inputs';
import { compileWorkflow } from './validate';

/**
 * Checks a job's input values against the workflow's typed inputs before the job
 * starts: `inputs.quantity: expected integer, got string`. An invalid workflow yields
 * its own problems.
 */
export function validateInputs(
  workflow: Workflow,
  variables: Readonly<Record<string, unknown>>,
  /** What the problems' paths start with, e.g. `body.variables` for a request's field. */
  prefix = 'inputs',
  options: InputCheckOptions = {},
): Problem[] {
  const { compiled, problems } = compileWorkflow(workflow);
  if (!compiled) return [...problems];
  return checkInputs(compiled.doc.inputs, variables, prefix, options);
}

/** The inputs a job runs with: given values plus defaults, or the problems. */
export function resolveInputs(
  workflow: Workflow,
  variables: Readonly<Record<string, unknown>>,
):
  | { readonly ok: true; readonly values: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problems: readonly Problem[] } {
  const problems = validateInputs(workflow, variables);
  if (problems.length > 0) return { ok: false, problems };
  const { compiled } = compileWorkflow(workflow);
  return { ok: true, values: withInputDefaults(compiled?.doc.inputs, variables) };
}
