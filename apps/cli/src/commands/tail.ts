import type { Command } from 'commander';
import { subjects } from '@aether/contracts';
import { withEventStore } from './connection';

/** `aether tail`: the audit tap — every event as it is appended (or from a sequence). */
export function registerTail(program: Command): void {
  program
    .command('tail')
    .description('print events as they are appended (the audit tap)')
    .option('--nats <url>', 'NATS server', process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222')
    .option('--from <sequence>', 'start at this stream sequence', '0')
    .option('--filter <subject>', 'subject filter', subjects.allEvents)
    .action(async (options: { nats: string; from: string; filter: string }) => {
      await withEventStore(options.nats, async (store) => {
        const from = Number(options.from) || (await store.lastSequence(options.filter).catch(() => 0)) + 1;
        const subscription = await store.subscribe(options.filter, from);
        process.once('SIGINT', () => subscription.stop());
        for await (const message of subscription)
          for (const event of eventsIn(message.string()))
            process.stdout.write(`${message.seq} ${message.subject} ${event}\n`);
      });
    });
}

/** One line per event: a commit (a JSON array of events, ADR 22) is split; anything else is printed as stored. */
export function eventsIn(body: string): string[] {
  if (!body.startsWith('[')) return [body];
  try {
    return (JSON.parse(body) as unknown[]).map((event) => JSON.stringify(event));
  } catch {
    return [body];
  }
}
