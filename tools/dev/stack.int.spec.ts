import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { startStack } from './stack';

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
});
