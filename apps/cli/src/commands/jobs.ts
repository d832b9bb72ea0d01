import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { callGateway as api } from './credentials';

/** `aether trigger`, `aether status`: thin clients of the gateway API, signed in (`aether login`). */
export function registerJobs(program: Command): void {
  program
    .command('trigger <workflowId>')
    .description('start a job of a workflow')
    .option('--vars <json|@file>', 'job variables as JSON, or @file.json', '{}')
    .option('--priority <n>', 'priority 0-20', '10')
    .option(
      '--idempotency-key <key>',
      'the same key and variables start one job, however often sent (another body is refused)',
    )
    .action(
      async (workflowId: string, options: { vars: string; priority: string; idempotencyKey?: string }) => {
        const variables = parseVars(options.vars);
        const priority = Number(options.priority);
        if (!/^\d+$/.test(options.priority) || priority > 20)
          throw new Error(`--priority must be a whole number from 0 to 20, got ${options.priority}`);
        const result = await api(`/api/v1/workflows/${encodeURIComponent(workflowId)}/trigger`, {
          method: 'POST',
          body: JSON.stringify({ variables, priority }),
          ...(options.idempotencyKey ? { headers: { 'idempotency-key': options.idempotencyKey } } : {}),
        });
        process.stdout.write(`${JSON.stringify(result)}\n`);
      },
    );

  program
    .command('status [jobId]')
    .description('one job, or the latest jobs')
    .action(async (jobId?: string) => {
      const result = await api(jobId ? `/api/v1/jobs/${encodeURIComponent(jobId)}` : '/api/v1/jobs?limit=20');
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}

/** `--vars`: JSON, or `@file` holding it; an error names the flag or the file. */
function parseVars(option: string): unknown {
  const file = option.startsWith('@') ? option.slice(1) : undefined;
  const what = file === undefined ? '--vars' : `--vars file ${file}`;
  let raw: string;
  try {
    raw = file === undefined ? option : readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}
