import { createPrivateKey } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { STREAMS } from '@aether/contracts';
import {
  EventStore,
  deliverFrom,
  type EventSubscription,
  type ResumeNotice,
  type SubscriptionStart,
} from '@aether/event-store';
import { AuditChainWriter } from '../audit/audit-chain';
import { eventFilter, startOf, type EventFilterOptions } from '../audit/event-filter';
import { natsTargetOptions, withJetStream, type NatsTarget } from './connection';

interface TailOptions extends EventFilterOptions, NatsTarget {
  from?: string;
  filter?: string;
  export?: string;
  key?: string;
  follow?: boolean;
}

/** `aether tail`: the audit tap — events as they are appended, or a signed export of a range. */
export function registerTail(program: Command): void {
  natsTargetOptions(program.command('tail'))
    .description('print events as they are appended, or export them signed (the audit tap)')
    .option(
      '--from <sequence|time>',
      'start at this stream sequence or time (default: new events; with --export: the first)',
    )
    .option('--tenant <id>', 'only this tenant')
    .option('--job <id>', 'only this job')
    .option('--robot <id>', 'only events about this robot')
    .option('--type <types>', 'only these event types (comma-separated)')
    .option('--since <time>', 'only events that occurred at or after this time')
    .option('--until <time>', 'only events that occurred before this time')
    .option('--filter <subject>', 'a raw subject filter (overrides --tenant and --job)')
    .option('--export <file>', 'write a hash-chained, signed export (JSON lines) instead of printing')
    .option(
      '--key <file>',
      'Ed25519 private key (PEM) that signs the export',
      process.env['AETHER_AUDIT_KEY'],
    )
    .option('--follow', 'with --export: keep exporting new events until interrupted, then seal')
    .action(async (options: TailOptions) => {
      if (options.export) return exportEvents(options, options.export);
      await withJetStream(options, STREAMS.events, async (js, jsm) => {
        const filter = eventFilter(options);
        const subject = options.filter ?? filter.subject;
        const events = await new EventStore(js, jsm).subscribe(
          subject,
          startOf(options.from) ?? (await nextSequence(jsm, subject)),
          { onResume: tellResume },
        );
        await untilInterrupted(events, async () => {
          for await (const message of events)
            for (const event of eventsIn(message.string()))
              if (filter.matches(message.subject, JSON.parse(event)))
                process.stdout.write(`${message.seq} ${message.subject} ${event}\n`);
        });
      });
    });
}

/** Exports from `--from` (default: the first event) to the stream's last sequence at the time of the call. */
async function exportEvents(options: TailOptions, file: string): Promise<void> {
  if (!options.key)
    throw new Error('--export needs a signing key: --key FILE or AETHER_AUDIT_KEY (aether audit keygen)');
  const privateKey = createPrivateKey(readFileSync(options.key));
  const filter = eventFilter(options);
  const subject = options.filter ?? filter.subject;
  await withJetStream(options, STREAMS.events, async (js, jsm) => {
    const end = (await jsm.streams.info(STREAMS.events)).state.last_seq;
    const fd = openSync(file, 'w', 0o640);
    try {
      const filters = Object.fromEntries(
        Object.entries({
          ...pick(options),
          subject,
          ...(options.follow ? {} : { toSequence: String(end) }),
        }).filter(([, value]) => value !== undefined),
      ) as Record<string, string>;
      const writer = new AuditChainWriter(
        privateKey,
        { stream: STREAMS.events, filters, exportedAt: new Date().toISOString() },
        (line) => writeSync(fd, `${line}\n`),
      );
      let count = 0;
      const start = startOf(options.from) ?? 1;
      if (options.follow || (await pendingFrom(js, subject, start)) > 0) {
        const events = await new EventStore(js, jsm).subscribe(subject, start, { onResume: tellResume });
        await untilInterrupted(events, async () => {
          for await (const message of events) {
            if (!options.follow && message.seq > end) break;
            for (const event of eventsIn(message.string())) {
              const parsed: unknown = JSON.parse(event);
              if (filter.matches(message.subject, parsed)) {
                writer.record(message.seq, message.subject, parsed);
                count++;
              }
            }
            if (!options.follow && (message.info.pending === 0 || message.seq >= end)) break;
          }
        });
      }
      const seal = writer.seal();
      process.stderr.write(
        `exported ${count} events to ${file}, sealed ${seal.digest.slice(0, 16)}… with ${seal.keyId}\n`,
      );
    } finally {
      closeSync(fd);
    }
  });
}

function pick(options: TailOptions): Record<string, string | undefined> {
  const { tenant, job, robot, type, since, until, from } = options;
  return { tenant, job, robot, type, since, until, from };
}

/** Stops `events` on Ctrl-C while `work` runs; a `for await` over them then ends. */
async function untilInterrupted(events: EventSubscription, work: () => Promise<void>): Promise<void> {
  const interrupt = () => events.stop();
  process.once('SIGINT', interrupt);
  try {
    await work();
  } finally {
    process.off('SIGINT', interrupt);
    events.stop();
  }
}

/** A subscription that replaces its silent consumer says so, and where it goes on from. */
function tellResume({ from, error }: ResumeNotice): void {
  const at = from instanceof Date ? from.toISOString() : `sequence ${from}`;
  process.stderr.write(
    error
      ? `tail: no new consumer yet (${String(error)}); trying again\n`
      : `tail: the consumer went silent (its server is gone?); following on a new one from ${at}\n`,
  );
}

/** How many messages on `subject` there are from `start` on, asked of a consumer made for it. */
async function pendingFrom(js: JetStreamClient, subject: string, start: SubscriptionStart): Promise<number> {
  const consumer = await js.consumers.get(STREAMS.events, {
    filter_subjects: subject,
    ...deliverFrom(start),
  });
  try {
    return (await consumer.info()).num_pending;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

async function nextSequence(jsm: JetStreamManager, subject: string): Promise<number> {
  const info = await jsm.streams.info(STREAMS.events, { subjects_filter: subject }).catch(() => undefined);
  return (info?.state.last_seq ?? 0) + 1;
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
