import { BadRequestException } from '@nestjs/common';
import type { JsonObject } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { validateInputs, type Problem } from '@aether/workflow';
import { publishedVersionToRun } from './published-workflows';

/**
 * What a trigger passes to each job it starts, as far as its definition tells (ADR 135):
 * - a schedule: its `variables`, all of them;
 * - a hook: its `variables`, then each delivery's body over them, so a required input may come later;
 * - a mail trigger: its `variables` plus `mail`, an object describing each message;
 * - a queue trigger: `queue`, the queue's name, only.
 */
export type TriggerInputs =
  | { readonly kind: 'schedule'; readonly variables: JsonObject }
  | { readonly kind: 'hook'; readonly variables: JsonObject }
  | { readonly kind: 'mail trigger'; readonly variables: JsonObject }
  | { readonly kind: 'queue trigger'; readonly queue: string };

/** What the mail watcher passes as `mail`, with example values: a workflow's input is checked against its shape. */
const MAIL = {
  uid: 1,
  uidValidity: '1',
  mailbox: 'INBOX',
  messageId: '<m@example>',
  from: 'a@b',
  subject: '',
};

/**
 * Checks what the trigger will pass against the version its jobs would run now (the one it pins,
 * or the latest), and answers 400 naming each problem.
 * @throws NotFoundException naming the workflow (and the version asked for).
 * @throws BadRequestException whose `problems` name each input the version refuses.
 */
export async function requireTriggerInputs(
  store: Pick<EventStore, 'lastCommit' | 'nextCommit'>,
  tenantId: string,
  workflowId: string,
  workflowVersion: number | undefined,
  inputs: TriggerInputs,
): Promise<void> {
  const { version, definition } = await publishedVersionToRun(store, tenantId, workflowId, workflowVersion);
  const problems = triggerProblems(inputs, (variables, prefix, open) =>
    validateInputs(definition, variables, prefix, { open }),
  );
  if (problems.length > 0)
    throw inputsRefused(workflowId, version, `what this ${inputs.kind} would pass`, problems);
}

/** The 400 for inputs a workflow version refuses: `what` says whose (ADR 131, 135). Problems never hold a value given. */
export function inputsRefused(
  workflowId: string,
  version: number,
  what: string,
  problems: Problem[],
): BadRequestException {
  return new BadRequestException({
    message: `workflow ${workflowId} v${version} refuses ${what}: ${problems
      .map((problem) => `${problem.path}: ${problem.message}`)
      .join('; ')}`,
    problems,
  });
}

type Check = (variables: JsonObject, prefix: string, open: boolean) => Problem[];

function triggerProblems(inputs: TriggerInputs, check: Check): Problem[] {
  switch (inputs.kind) {
    case 'schedule':
      return check(inputs.variables, 'body.variables', false);
    case 'hook':
      return check(inputs.variables, 'body.variables', true);
    case 'mail trigger': {
      if (Object.hasOwn(inputs.variables, 'mail'))
        return [
          {
            path: 'body.variables.mail',
            message: 'set by the trigger to each message: give this variable another name',
          },
        ];
      return check({ ...inputs.variables, mail: MAIL }, 'body.variables', false).map((problem) =>
        problem.path === 'body.variables.mail'
          ? {
              path: 'inputs.mail',
              message: `${problem.message}: a mail trigger passes each message as input "mail", an object`,
            }
          : problem,
      );
    }
    case 'queue trigger':
      return check({ queue: inputs.queue }, 'inputs', false).map((problem) =>
        problem.path === 'inputs.queue'
          ? {
              path: problem.path,
              message: `${problem.message}: a queue trigger passes the queue's name as input "queue", a string`,
            }
          : problem.message === 'required'
            ? {
                path: problem.path,
                message: 'required: a queue trigger passes only "queue" (give it a default)',
              }
            : problem,
      );
    default: {
      const _exhaustive: never = inputs;
      return _exhaustive;
    }
  }
}
