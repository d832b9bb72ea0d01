import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { connectNats } from '@aether/event-store';
import { issueNatsUser, loadOrCreateNatsAuthority, SERVICE_NATS_PERMISSIONS } from '@aether/identity';
import { startAuthenticatedNats } from './infrastructure';

/** `npm start`'s own nats-server (ADR 39): it requires credentials and keeps its accounts across restarts. */
describe('startAuthenticatedNats', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'aether-start-nats-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a connection without credentials, admits a service with its own, and keeps its store and accounts', async () => {
    const first = await startAuthenticatedNats(dataDir);
    try {
      expect(statSync(first.authorityFile).mode & 0o777).toBe(0o600);
      await expect(connect({ servers: first.url, maxReconnectAttempts: 0 })).rejects.toThrow(
        /Authorization Violation/i,
      );
      const service = await issueNatsUser(loadOrCreateNatsAuthority(first.authorityFile), {
        name: 'test-service',
        permissions: SERVICE_NATS_PERMISSIONS,
      });
      const nc = await connectNats({ servers: first.url, name: 'test', creds: service.creds });
      await (await jetstreamManager(nc)).streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      await nc.close();
    } finally {
      await first.started.stop();
    }

    const second = await startAuthenticatedNats(dataDir);
    try {
      const service = await issueNatsUser(loadOrCreateNatsAuthority(second.authorityFile), {
        name: 'test-service',
        permissions: SERVICE_NATS_PERMISSIONS,
      });
      const nc = await connectNats({ servers: second.url, name: 'test', creds: service.creds });
      expect((await (await jetstreamManager(nc)).streams.info('KEPT')).config.subjects).toEqual(['kept.>']);
      await nc.close();
    } finally {
      await second.started.stop();
    }
  }, 60_000);
});
