import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Command } from 'commander';
import { STREAMS } from '@aether/contracts';
import { readQuarantine, requeueQuarantined, type QuarantineListing } from '@aether/event-store';
import { natsTargetOptions, withJetStream, type NatsTarget } from './connection';

interface QuarantineOptions extends NatsTarget {
  consumer?: string;
  limit: string;
  json?: boolean;
  requeue?: string;
}

/** `aether quarantine`: the messages consumers set aside because they failed validation, with why. */
export function registerQuarantine(program: Command): void {
  natsTargetOptions(program.command('quarantine'))
    .description('list the messages kept in quarantine, with the reason and where each came from')
    .option('--consumer <name>', "only this consumer's messages (e.g. scheduler-request-job)")
    .option('--limit <n>', 'show the newest n', '100')
    .option('--json', 'one JSON object per message, body included')
    .option('--requeue <sequence>', 'send quarantined command #sequence again, once its consumer is fixed')
    .action(async (options: QuarantineOptions) => {
      const output = await withJetStream(options, STREAMS.quarantine, (js, jsm) =>
        options.requeue ? requeue(js, jsm, options.requeue) : list(js, jsm, options),
      );
      process.stdout.write(output);
    });
}

async function list(js: JetStreamClient, jsm: JetStreamManager, options: QuarantineOptions): Promise<string> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`--limit must be a whole number ≥ 1, got "${options.limit}"`);
  const listing = await readQuarantine(js, jsm, {
    limit,
    ...(options.consumer ? { consumer: options.consumer } : {}),
  });
  return options.json ? asJsonLines(listing) : asText(listing, options.consumer);
}

async function requeue(js: JetStreamClient, jsm: JetStreamManager, given: string): Promise<string> {
  const sequence = Number(given);
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new Error(`--requeue takes the # a listing shows, got "${given}"`);
  const sent = await requeueQuarantined(js, jsm, sequence);
  return `sent #${sequence} again on ${sent.subject} (${STREAMS.commands} #${sent.sequence}); it is out of quarantine\n`;
}

/** A heading with the count, then two lines a message: where it came from, and why it was set aside. */
export function asText(listing: QuarantineListing, consumer?: string): string {
  const whose = consumer ? ` for ${consumer}` : '';
  if (listing.total === 0) return `no messages in quarantine${whose}\n`;
  const shown =
    listing.messages.length < listing.total ? `, the newest ${listing.messages.length} shown` : '';
  const lines = [`${listing.total} in quarantine${whose}${shown}`];
  for (const m of listing.messages) {
    lines.push(
      `#${m.sequence} ${m.quarantinedAt.toISOString()} ${m.consumer}: ${m.origin.stream} #${m.origin.sequence} ${m.origin.subject}`,
      `    ${m.reason}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function asJsonLines(listing: QuarantineListing): string {
  return listing.messages.map((m) => `${JSON.stringify(m)}\n`).join('');
}
