import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { STREAMS, type StreamName } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';

/** `npm start`'s data folder: `AETHER_DATA_DIR`, else `.data` relative to the checkout. */
const LOCAL_NATS_DIR = join(process.env['AETHER_DATA_DIR'] ?? '.data', 'nats');
/** Where `npm start` writes the operator's own NATS user (ADR 85's `tools`). */
export const LOCAL_TOOLS_CREDS = join(LOCAL_NATS_DIR, 'tools.creds');
/** Where `npm start` writes the URL of the nats-server it uses (4222 only when that port was free). */
export const LOCAL_NATS_URL = join(LOCAL_NATS_DIR, 'url');

/** `NATS_URL`, else the server `npm start` uses, else nats://127.0.0.1:4222. */
function defaultNatsUrl(): string {
  const started = existsSync(LOCAL_NATS_URL) ? readFileSync(LOCAL_NATS_URL, 'utf8').trim() : '';
  return process.env['NATS_URL'] ?? (started || 'nats://127.0.0.1:4222');
}

/** How a command reaches NATS: `--nats` and `--creds`. */
export interface NatsTarget {
  nats: string;
  creds?: string;
}

/** Adds `--nats` and `--creds` to a command that reads the streams itself. */
export function natsTargetOptions(command: Command): Command {
  return command
    .option(
      '--nats <url>',
      `NATS server; default NATS_URL, else the one npm start runs (${LOCAL_NATS_URL}), else 4222`,
      defaultNatsUrl(),
    )
    .option(
      '--creds <file>',
      `NATS credentials (.creds); default NATS_CREDS_FILE, else ${LOCAL_TOOLS_CREDS} when npm start made it`,
      process.env['NATS_CREDS_FILE'],
    );
}

/** The credentials to connect with: the file named, else `npm start`'s own, else none. */
export function credentialsOf(target: NatsTarget): string | undefined {
  const file = target.creds ?? (existsSync(LOCAL_TOOLS_CREDS) ? LOCAL_TOOLS_CREDS : undefined);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the NATS credentials ${file}: ${(error as Error).message}`);
  }
}

/**
 * Connects for a command that reads `stream` and closes the connection when `work` is done.
 * A server without the stream is told apart first: reads from a missing stream fail with the
 * client's bare "stream not found", or a direct get with a timeout.
 */
export async function withJetStream<T>(
  target: NatsTarget,
  stream: StreamName,
  work: (js: JetStreamClient, jsm: JetStreamManager) => Promise<T>,
): Promise<T> {
  const natsUrl = target.nats;
  const creds = credentialsOf(target);
  const nc = await connectNats({ servers: natsUrl, name: 'aether-cli', ...(creds ? { creds } : {}) });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info(stream).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
        throw new Error(
          `${natsUrl} has no ${stream} stream: Aether's services create it when they first start`,
        );
      throw error;
    });
    return await work(jetstream(nc), jsm);
  } finally {
    await nc.close();
  }
}

/** Opens the event store for a command and closes the connection when `work` is done. */
export function withEventStore<T>(target: NatsTarget, work: (store: EventStore) => Promise<T>): Promise<T> {
  return withJetStream(target, STREAMS.events, (js, jsm) => work(new EventStore(js, jsm)));
}
