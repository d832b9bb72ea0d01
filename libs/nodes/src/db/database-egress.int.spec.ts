import { EgressPolicy, type Resolver } from '@aether/egress';
import { createTestDatabase, createTestMysqlDatabase } from '@aether/testing';
import { DatabasePool } from './database-pool';

jest.setTimeout(60_000);

const dns: Record<string, string> = { 'db.test': '127.0.0.1', 'meta.test': '169.254.169.254' };
const resolve: Resolver = async (hostname) => {
  const address = dns[hostname];
  if (!address) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

describe.each([
  ['postgres', () => createTestDatabase('aether_db_egress')],
  ['mysql', () => createTestMysqlDatabase('aether_db_egress')],
] as const)('%s steps behind the egress guard (real server)', (_dialect, create) => {
  let database: { url: string; drop(): Promise<void> };
  const pools: DatabasePool[] = [];
  const withHost = (host: string) => {
    const url = new URL(database.url);
    url.hostname = host;
    return url.toString();
  };
  const connect = async (url: string, allow?: string) => {
    const pool = new DatabasePool({ egress: EgressPolicy.parse(allow), resolve, connectTimeoutMs: 5_000 });
    pools.push(pool);
    const lease = await pool.acquire(url, 'job-egress');
    try {
      return (await lease.execute({ text: 'SELECT 1 AS one', values: [] })).rows;
    } finally {
      lease.release();
    }
  };

  beforeAll(async () => (database = await create()));
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await database?.drop();
  });

  it('connects through the guard to the address it resolved', async () => {
    expect(new URL(database.url).hostname).toBe('127.0.0.1');
    await expect(connect(withHost('db.test'))).resolves.toEqual([{ one: 1 }]);
  });

  it.each([
    ['a metadata address', '169.254.169.254', /169\.254\.169\.254 is a link-local/],
    ['a name resolving to metadata', 'meta.test', /meta\.test \(169\.254\.169\.254\)/],
  ])('refuses %s with EGRESS_DENIED before connecting', async (_what, host, reason) => {
    const started = Date.now();
    await expect(connect(withHost(host))).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      retryable: false,
      message: expect.stringMatching(reason),
    });
    expect(Date.now() - started).toBeLessThan(4_000); // refused, not timed out
  });

  it('refuses a host the allow-list does not name, the robot’s own loopback included', async () => {
    await expect(connect(database.url, '10.0.0.0/8')).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringMatching(/not on this robot's egress allow-list/),
    });
    await expect(connect(withHost('db.test'), 'db.test')).resolves.toEqual([{ one: 1 }]);
  });
});
