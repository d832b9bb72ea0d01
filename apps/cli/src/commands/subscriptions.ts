import type { Command } from 'commander';
import { callGateway as api } from './credentials';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const path = (id: string, rest = '') => `/api/v1/subscriptions/${encodeURIComponent(id)}${rest}`;

/**
 * `aether subscriptions add|list|remove|redeliver|parked`: outbound job events to an HTTPS endpoint
 * (ADR 57), through the gateway API, signed in (`aether login`).
 */
export function registerSubscriptions(program: Command): void {
  const subscriptions = program
    .command('subscriptions')
    .description("deliver the tenant's job events to an HTTPS endpoint, signed, in job order");

  subscriptions
    .command('add <url>')
    .description('subscribe an endpoint; prints the signing secret once')
    .option('--events <types>', 'comma-separated event types, e.g. JobCompleted,JobFailed (default: all)')
    .option('--workflows <ids>', 'comma-separated workflow ids (default: all)')
    .action(async (url: string, options: { events?: string; workflows?: string }) => {
      print(
        await api('/api/v1/subscriptions', {
          method: 'POST',
          body: JSON.stringify({
            url,
            eventTypes: list(options.events),
            workflowIds: list(options.workflows),
          }),
        }),
      );
    });

  subscriptions
    .command('list')
    .description("the tenant's subscriptions (never their secrets)")
    .action(async () => print(await api('/api/v1/subscriptions')));

  subscriptions
    .command('remove <id>')
    .description('remove a subscription, its consumer, secret and parked deliveries')
    .action(async (id: string) => {
      await api(path(id), { method: 'DELETE' });
      print({ removed: id });
    });

  subscriptions
    .command('redeliver <id>')
    .description('deliver again, in order, every event from a sequence or a time on')
    .option('--from-sequence <n>', "an EVENTS sequence (a delivery's `sequence`)")
    .option('--from-time <iso>', 'the first event stored at or after this time')
    .action(async (id: string, options: { fromSequence?: string; fromTime?: string }) => {
      if (!options.fromSequence === !options.fromTime)
        throw new Error('give exactly one of --from-sequence and --from-time');
      const body = options.fromSequence
        ? { fromSequence: Number(options.fromSequence) }
        : { fromTime: options.fromTime };
      print(await api(path(id, '/redeliver'), { method: 'POST', body: JSON.stringify(body) }));
    });

  subscriptions
    .command('parked <id>')
    .description('deliveries that kept failing, kept until a redelivery covers them')
    .action(async (id: string) => print(await api(path(id, '/parked'))));
}
