import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { testNodeContext } from '../testing';
import { EgressDeniedError } from './egress';
import { createHttpHandler } from './http.handler';

describe('http.request behind the egress guard (real sockets)', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  const dns: Record<string, string> = { 'app.test': '127.0.0.1', 'rebind.test': '169.254.169.254' };
  const resolve: Resolver = async (hostname) => {
    const address = dns[hostname];
    if (!address) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };
  const guarded = (allow?: string) =>
    createHttpHandler({ egress: EgressPolicy.parse(allow), resolve, retryDelayMs: () => 1 });
  const handlers: ReturnType<typeof createHttpHandler>[] = [];
  const request = async (url: string, allow?: string) => {
    const handler = guarded(allow);
    handlers.push(handler);
    return handler.execute({ url }, testNodeContext({ timeoutMs: 5_000 }));
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      const targets: Record<string, string> = {
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-metadata-v6': 'http://[fd00:ec2::254]/latest/meta-data/',
        '/to-rebind': `http://rebind.test:${port}/ok`,
        '/to-google': 'http://metadata.google.internal/computeMetadata/v1/',
      };
      const target = targets[req.url ?? ''];
      if (target) res.writeHead(302, { location: target }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => (hits = 0));
  afterAll(async () => {
    await Promise.all(handlers.map((h) => h.close()));
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('reaches an allowed host, connecting to the address it checked', async () => {
    await expect(request(`http://app.test:${port}/ok`)).resolves.toMatchObject({ status: 200, body: 'ok' });
    expect(hits).toBe(1);
  });

  it('refuses a metadata address in the URL before any connection', async () => {
    await expect(request('http://169.254.169.254/latest/meta-data/')).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      retryable: false,
    });
    await expect(request('http://metadata.google.internal/')).rejects.toBeInstanceOf(EgressDeniedError);
  });

  it('refuses a name that resolves to a metadata address', async () => {
    await expect(request(`http://rebind.test:${port}/ok`)).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringContaining('rebind.test (169.254.169.254)'),
    });
    expect(hits).toBe(0);
  });

  it('refuses a redirect to a metadata address, by address, by name or after resolution', async () => {
    for (const path of ['/to-metadata', '/to-metadata-v6', '/to-google', '/to-rebind']) {
      const started = Date.now();
      await expect(request(`http://app.test:${port}${path}`)).rejects.toBeInstanceOf(EgressDeniedError);
      // Refused, not attempted: a connection to the unroutable address would hang until the timeout.
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect(hits).toBe(4); // only the first hops
  });

  it('with an allow-list, refuses what it does not name before connecting', async () => {
    await expect(request(`http://127.0.0.1:${port}/ok`, '10.0.0.0/8')).rejects.toMatchObject({
      message: expect.stringContaining("not on this robot's egress allow-list"),
    });
    await expect(request(`http://app.test:${port}/ok`, 'app.test')).resolves.toMatchObject({ status: 200 });
    expect(hits).toBe(1);
  });
});
