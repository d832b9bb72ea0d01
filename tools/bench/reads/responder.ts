import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { serveEventReads } from '@aether/event-store';

/**
 * The services' history-read endpoint (ADR 77) in a process of its own, as every service runs it
 * (`serveEventReads`, queue group `event-readers`): the far side of a robot's read. Says `ready`
 * on stdout once subscribed; stops when its stdin closes.
 */
async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: responder.ts <nats url>');
  const nc = await connect({ servers: url, name: 'bench-event-reader' });
  serveEventReads(nc, await jetstreamManager(nc), (error, subject) =>
    process.stderr.write(`read of ${subject} failed: ${String(error)}\n`),
  );
  await nc.flush();
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => void nc.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`responder failed: ${String(error)}\n`);
  process.exit(1);
});
