import type { Command } from 'commander';
import { callGateway as api } from './credentials';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
const path = (id: string, rest = '') => `/api/v1/mail-triggers/${encodeURIComponent(id)}${rest}`;

/**
 * `aether mail-triggers add|list|show|pause|resume|remove`: a job per new message of a mailbox
 * (ADR 52), through the gateway API, signed in (`aether login`). The mailbox URL is a secret,
 * named here and set with `PUT /api/v1/secrets/<name>`.
 */
export function registerMailTriggers(program: Command): void {
  const triggers = program
    .command('mail-triggers')
    .description('start a workflow for each new message of a mailbox, once per message');

  triggers
    .command('add <workflowId>')
    .description('watch a mailbox; --secret names the secret holding its imaps:// URL')
    .requiredOption('--secret <name>', 'the secret holding imaps://user:password@host (never the URL itself)')
    .option('--id <triggerId>', 'the trigger id (default: generated)')
    .option('--mailbox <name>', 'the mailbox to watch', 'INBOX')
    .option('--from <text>', 'only messages whose sender contains this')
    .option('--subject <text>', 'only messages whose subject contains this')
    .option('--variables <json>', 'variables for every job, a JSON object')
    .option('--paused', 'create it paused')
    .action(
      async (
        workflowId: string,
        options: {
          secret: string;
          id?: string;
          mailbox: string;
          from?: string;
          subject?: string;
          variables?: string;
          paused?: boolean;
        },
      ) => {
        const body = {
          workflowId,
          imapSecret: options.secret,
          mailbox: options.mailbox,
          ...(options.id ? { triggerId: options.id } : {}),
          ...(options.from ? { from: options.from } : {}),
          ...(options.subject ? { subject: options.subject } : {}),
          ...(options.variables ? { variables: JSON.parse(options.variables) as unknown } : {}),
          ...(options.paused ? { paused: true } : {}),
        };
        print(await api('/api/v1/mail-triggers', { method: 'POST', body: JSON.stringify(body) }));
      },
    );

  triggers
    .command('list')
    .description("the tenant's mail triggers, each with the last message it fired for")
    .action(async () => print(await api('/api/v1/mail-triggers')));

  triggers
    .command('show <triggerId>')
    .description('one trigger and its last 50 fires')
    .action(async (id: string) => print(await api(path(id))));

  for (const action of ['pause', 'resume'] as const)
    triggers
      .command(`${action} <triggerId>`)
      .description(
        action === 'pause' ? 'stop starting jobs' : 'start jobs again, for what arrived meanwhile too',
      )
      .action(async (id: string) => print(await api(path(id, `/${action}`), { method: 'POST' })));

  triggers
    .command('remove <triggerId>')
    .description('stop watching the mailbox (its fires stay on the event stream)')
    .action(async (id: string) => {
      await api(path(id), { method: 'DELETE' });
      print({ removed: id });
    });
}
