import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { testNodeContext } from '../testing';
import { BrowserPool, type BrowserLease } from './browser-pool';

jest.setTimeout(60_000);

describe('browser steps behind the egress guard (real Chromium, real sockets)', () => {
  let fixture: Server;
  let port: number;
  let filesRoot: string;
  let handlers: NodeHandlerTable;
  const pools = new Map<string, BrowserPool>();
  const leases: BrowserLease[] = [];
  const requests: string[] = [];
  const dns: Record<string, string> = { 'app.test': '127.0.0.1', 'rebind.test': '169.254.169.254' };
  const resolve: Resolver = async (hostname) => {
    const address = dns[hostname];
    if (!address) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };

  const goto = async (url: string, allow?: string) => {
    const pool = pools.get(allow ?? '') ?? new BrowserPool({ egress: EgressPolicy.parse(allow), resolve });
    pools.set(allow ?? '', pool);
    const lease = await pool.acquire(`job-${leases.length}`);
    leases.push(lease);
    const output = await handlers
      .get('browser.goto')!
      .execute({ url }, testNodeContext({ jobId: lease.jobId, page: () => lease.page(), timeoutMs: 10_000 }));
    return { output, page: await lease.page() };
  };

  beforeAll(async () => {
    filesRoot = mkdtempSync(join(tmpdir(), 'browser-egress-'));
    handlers = createNodeHandlers({ filesRoot, desktop: false });
    fixture = createServer((req, res) => {
      requests.push(`${req.headers.host}${req.url}`);
      const redirects: Record<string, string> = {
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-google': 'http://metadata.google.internal/computeMetadata/v1/',
        '/to-rebind': `http://rebind.test:${port}/`,
        '/to-tls-metadata': 'https://169.254.169.254/',
      };
      const target = redirects[req.url ?? ''];
      if (target) return void res.writeHead(302, { location: target }).end();
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<h1 id="ok">ok</h1><img src="http://169.254.169.254/latest/meta-data/x.png">');
    });
    await new Promise<void>((done) => fixture.listen(0, '127.0.0.1', done));
    port = (fixture.address() as AddressInfo).port;
  });
  beforeEach(() => (requests.length = 0));
  afterEach(() => Promise.all(leases.map((lease) => lease.release())));
  afterAll(async () => {
    await Promise.all([...pools.values()].map((pool) => pool.close()));
    await handlers.close();
    fixture.closeAllConnections();
    await new Promise((done) => fixture.close(done));
    rmSync(filesRoot, { recursive: true, force: true });
  });

  it('loads an allowed page through the guard, by name resolved by the guard', async () => {
    const { output, page } = await goto(`http://app.test:${port}/`);
    expect(output).toMatchObject({ status: 200 });
    expect(await page.textContent('#ok')).toBe('ok');
    expect(requests[0]).toBe(`app.test:${port}/`);
  });

  it.each([
    ['a metadata address', 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local/],
    ['a metadata name', 'http://metadata.google.internal/', /metadata\.google\.internal is a cloud metadata/],
    ['a name resolving to metadata', 'http://rebind.test:PORT/', /rebind\.test \(169\.254\.169\.254\)/],
    ['a tunnel to metadata', 'https://169.254.169.254/', /169\.254\.169\.254/],
    ['a redirect to metadata', 'http://app.test:PORT/to-metadata', /169\.254\.169\.254/],
    ['a redirect to a metadata name', 'http://app.test:PORT/to-google', /metadata\.google\.internal/],
    ['a redirect to a name resolving to metadata', 'http://app.test:PORT/to-rebind', /rebind\.test/],
    ['a redirect to a metadata tunnel', 'http://app.test:PORT/to-tls-metadata', /169\.254\.169\.254/],
  ])('refuses %s with EGRESS_DENIED, quickly', async (_what, url, reason) => {
    const started = Date.now();
    await expect(goto(url.replace('PORT', String(port)))).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringMatching(reason),
    });
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('sends loopback through the guard too: an allow-list without it closes it', async () => {
    await expect(goto(`http://127.0.0.1:${port}/`, '10.0.0.0/8')).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringMatching(/not on this robot's egress allow-list/),
    });
    expect(requests).toEqual([]);
  });
});
