import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { callGateway as api } from './credentials';

const json = (raw: string): unknown =>
  JSON.parse(raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw);
function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `aether queue define|add|show|item`: work queues through the gateway API, signed in (`aether login`). */
export function registerQueues(program: Command): void {
  const queue = program
    .command('queue')
    .description('work queues: items with a unique reference, leased to jobs');

  queue
    .command('define <name>')
    .description('create a queue or replace its policy')
    .option(
      '--policy <json|@file>',
      'e.g. {"maxRetries":3,"slaMs":3600000,"trigger":{"workflowId":"orders","maxConcurrentJobs":4}}',
      '{}',
    )
    .action(async (name: string, options: { policy: string }) => {
      print(
        await api(`/api/v1/queues/${encodeURIComponent(name)}`, {
          method: 'PUT',
          body: JSON.stringify(json(options.policy)),
        }),
      );
    });

  queue
    .command('add <name> <reference>')
    .description('add an item; a reference already in the queue is refused with the existing item named')
    .option('--payload <json|@file>', 'the item payload', '{}')
    .option('--priority <n>', 'priority 0-20', '10')
    .option('--deadline <iso>', 'finish by')
    .action(
      async (
        name: string,
        reference: string,
        options: { payload: string; priority: string; deadline?: string },
      ) => {
        print(
          await api(`/api/v1/queues/${encodeURIComponent(name)}/items`, {
            method: 'POST',
            body: JSON.stringify({
              reference,
              payload: json(options.payload),
              priority: Number(options.priority),
              ...(options.deadline ? { deadline: options.deadline } : {}),
            }),
          }),
        );
      },
    );

  queue
    .command('show <name>')
    .description("the queue's policy and its trigger's last fire (a refused one says why it started no job)")
    .action(async (name: string) => print(await api(`/api/v1/queues/${encodeURIComponent(name)}`)));

  queue
    .command('item <name> <itemId>')
    .description('one item: status, attempts, output or error, the job and robot that handled it')
    .action(async (name: string, itemId: string) =>
      print(await api(`/api/v1/queues/${encodeURIComponent(name)}/items/${encodeURIComponent(itemId)}`)),
    );
}
