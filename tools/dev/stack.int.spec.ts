import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { startServiceProcess, startStack } from './stack';

// The first port chosen for a service is one a test holds (as another process might take it
// between freePort() and the service's listen); the rest are free.
const firstPort: { value?: number } = {};
jest.mock('@aether/testing', () => {
  const actual = jest.requireActual('@aether/testing');
  return {
    ...actual,
    freePort: async () => {
      const port = firstPort.value;
      firstPort.value = undefined;
      return port ?? actual.freePort();
    },
  };
});

/** Pids of live processes whose environment holds `needle` (each service gets the suite's database URL). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

describe('startStack', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let taken: Server;
  const held = new Set<Socket>();
  let logDir: string;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_stack')]);
    taken = createServer((socket) => held.add(socket)).listen(0, '127.0.0.1'); // accepts, never answers
    await new Promise((resolve) => taken.once('listening', resolve));
    logDir = mkdtempSync(join(tmpdir(), 'aether-stack-'));
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    taken.close();
    await nats.stop();
    await db.drop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('stops the services that started when another one never becomes healthy', async () => {
    const port = (taken.address() as { port: number }).port;
    await expect(
      startStack({ natsUrl: nats.url, databaseUrl: db.url, logDir, robots: 0, gatewayPort: port }),
    ).rejects.toThrow(/gateway did not become healthy/);
    expect(processesWith(db.url)).toEqual([]);
  }, 120_000);

  it('starts a service on another port when the one it was given is taken before it listens', async () => {
    const port = (taken.address() as { port: number }).port;
    firstPort.value = port;
    const service = await startServiceProcess('robot-registry', {
      natsUrl: nats.url,
      databaseUrl: db.url,
      logDir,
    });
    try {
      expect(service.port).not.toBe(port);
      expect((await fetch(`${service.url}/health`)).ok).toBe(true);
      expect(readFileSync(service.logFile, 'utf8')).toContain(`address already in use 127.0.0.1:${port}`);
    } finally {
      await service.stop();
    }
  }, 120_000);
});
