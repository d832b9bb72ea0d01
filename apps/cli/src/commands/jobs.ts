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
    .action(async (workflowId: string, options: { vars: string; priority: string }) => {
      const raw = options.vars.startsWith('@') ? readFileSync(options.vars.slice(1), 'utf8') : options.vars;
      const result = await api(`/api/v1/workflows/${encodeURIComponent(workflowId)}/trigger`, {
        method: 'POST',
        body: JSON.stringify({ variables: JSON.parse(raw), priority: Number(options.priority) }),
      });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });

  program
    .command('status [jobId]')
    .description('one job, or the latest jobs')
    .action(async (jobId?: string) => {
      const result = await api(jobId ? `/api/v1/jobs/${encodeURIComponent(jobId)}` : '/api/v1/jobs?limit=20');
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
