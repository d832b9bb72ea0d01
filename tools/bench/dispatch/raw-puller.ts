import { createInbox, connect, type Msg } from '@nats-io/transport-node';

/**
 * One raw JetStream puller, a process of its own with its own connection, as each robot is.
 * Started by `startRawPullers`; on each `{ stream, durable }` it is sent, it drains that durable
 * consumer one message at a time with a robot's best pattern: the ack of a message and the pull
 * for the next are one `+NXT` message on the ack subject (the server takes the ack, then the
 * pull), so it holds one message at a time and makes one socket write per message. The pulls are
 * `no_wait`, so a puller that finds nothing left answers `{ done, cpuMs }` at once (or when the
 * pull expires, see `PULL`).
 */
export interface DrainOrder {
  readonly stream: string;
  readonly durable: string;
}

export interface DrainReport {
  readonly done: number;
  /** CPU this process used draining, in ms. */
  readonly cpuMs: number;
}

/**
 * `expires` as well: nats-server 2.9 can keep a `no_wait` pull waiting when another puller took
 * the message it was counted against, and then never answers it: the drain hung (2026-12-06,
 * once in a benchmark, once in CI). Expiring, the pull ends with a 408 at the latest after 1 s.
 */
const PULL = JSON.stringify({ batch: 1, no_wait: true, expires: 1_000_000_000 });

async function main() {
  const [natsUrl, name] = process.argv.slice(2);
  const nc = await connect({ servers: natsUrl, name });
  const inbox = createInbox();
  let finish: ((report: DrainReport) => void) | undefined;
  let done = 0;
  let cpuBefore = process.cpuUsage();
  nc.subscribe(inbox, {
    callback: (error, message: Msg) => {
      if (error) throw error;
      const status = message.headers?.code ?? 0;
      if (status === 0 && message.reply) {
        done++;
        message.respond(`+NXT ${PULL}`, { reply: inbox });
        return;
      }
      if (status === 100) return;
      const cpu = process.cpuUsage(cpuBefore);
      finish?.({ done, cpuMs: (cpu.user + cpu.system) / 1000 });
    },
  });
  await nc.flush();
  process.on('message', (order: DrainOrder) => {
    done = 0;
    cpuBefore = process.cpuUsage();
    finish = (report) => process.send?.(report);
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${order.stream}.${order.durable}`, PULL, { reply: inbox });
  });
  process.on('disconnect', () => void nc.close().then(() => process.exit(0)));
  process.send?.('ready');
}

void main();
