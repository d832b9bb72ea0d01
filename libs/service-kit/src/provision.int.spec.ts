import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS } from '@aether/contracts';
import { connectNats, ensureStreams } from '@aether/event-store';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { provisionWhenJetStreamAnswers } from './provision';

describe('provisioning while nats-server is down (real server)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connectNats({ servers: server.url, name: 'provision-test' });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('asks again after the server’s silence outlasts a request, and makes the streams once it is back', async () => {
    await server.kill();
    const restarted = new Promise<void>((resolve, reject) =>
      setTimeout(() => server.restart().then(resolve, reject), 7_000),
    );
    const warn = jest.fn();
    const made = await provisionWhenJetStreamAnswers(
      async () => ensureStreams(await jetstreamManager(nc, { timeout: 2_000 })),
      { timeoutMs: 30_000, logger: { warn } },
    );
    await restarted;
    expect(warn).toHaveBeenCalled();
    expect(made.map((report) => report.stream)).toContain(STREAMS.events);
    expect((await (await jetstreamManager(nc)).streams.info(STREAMS.events)).config.name).toBe(
      STREAMS.events,
    );
  }, 60_000);
});
