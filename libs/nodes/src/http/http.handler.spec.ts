import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HttpError,
  NodeCancelledError,
  NodeParamsError,
  NodeTimeoutError,
  StepTimeoutError,
} from '../errors';
import { testNodeContext } from '../testing';
import { createHttpHandler } from './http.handler';

type Route = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('http.request against a local server', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const sockets = new Set<unknown>();
  const http = createHttpHandler({ retryDelayMs: () => 10 });
  const run = (params: Record<string, unknown>, context = testNodeContext()) => http.execute(params, context);

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () =>
        (routes.get(path) ?? ((_q, _b, r) => r.writeHead(404).end('no route')))(req, body, res),
      );
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    routes.set('/echo', (req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-seen': 'yes' });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          contentType: req.headers['content-type'] ?? null,
          auth: req.headers['authorization'] ?? null,
          body,
        }),
      );
    });
    routes.set('/text', (_req, _body, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('plain'),
    );
    routes.set('/flaky', (_req, _body, res) => {
      if ((hits.get('/flaky') ?? 0) <= 2) res.writeHead(503).end('busy');
      else res.writeHead(200).end('ok');
    });
    routes.set('/always-500', (_req, _body, res) => res.writeHead(500).end('boom'));
    routes.set('/missing', (_req, _body, res) => res.writeHead(404).end('not here'));
    routes.set('/hang', () => undefined);
    routes.set('/redirect', (_req, _body, res) => res.writeHead(302, { location: '/text' }).end());
    routes.set('/big', (_req, _body, res) => res.writeHead(200).end('x'.repeat(2048)));
  });
  beforeEach(() => hits.clear());
  afterAll(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends query, headers and a JSON body, and parses a JSON answer', async () => {
    const out = await run({
      method: 'POST',
      url: `${base}/echo`,
      query: { q: 'a b', n: [1, 2] },
      headers: { Authorization: 'Bearer t' },
      json: { a: 1 },
    });
    expect(out).toMatchObject({ status: 200, headers: { 'x-seen': 'yes' } });
    expect(out['json']).toEqual({
      method: 'POST',
      url: '/echo?q=a+b&n=1&n=2',
      contentType: 'application/json',
      auth: 'Bearer t',
      body: '{"a":1}',
    });
  });

  it('sends a form, and returns text answers as body only', async () => {
    const out = await run({ method: 'PUT', url: `${base}/echo`, form: { a: 'x y', b: '2' } });
    expect(out['json']).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      body: 'a=x+y&b=2',
    });
    await expect(run({ url: `${base}/text` })).resolves.toEqual({
      status: 200,
      headers: expect.any(Object),
      body: 'plain',
    });
  });

  it('reuses keep-alive connections', async () => {
    const before = sockets.size;
    for (let i = 0; i < 5; i++) await run({ url: `${base}/text` });
    expect(sockets.size - before).toBeLessThanOrEqual(1);
  });

  it('follows redirects', async () => {
    await expect(run({ url: `${base}/redirect` })).resolves.toMatchObject({ status: 200, body: 'plain' });
  });

  it('retries transient failures of idempotent requests with backoff', async () => {
    await expect(run({ url: `${base}/flaky` })).resolves.toMatchObject({ status: 200, body: 'ok' });
    expect(hits.get('/flaky')).toBe(3);
  });

  it('does not retry a POST unless asked, and gives up with a retryable error', async () => {
    const error = await run({ method: 'POST', url: `${base}/always-500`, body: 'x' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(hits.get('/always-500')).toBe(1);
    await run({ method: 'POST', url: `${base}/always-500`, retries: 3 }).catch(() => undefined);
    expect(hits.get('/always-500')).toBe(5);
  });

  it('fails 4xx answers at once as terminal', async () => {
    const error = await run({ url: `${base}/missing` }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 404,
      retryable: false,
      message: expect.stringContaining('not here'),
    });
    expect(hits.get('/missing')).toBe(1);
  });

  it('retries network errors and reports them as retryable without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await run({ url: `http://127.0.0.1:${port}/`, retries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: undefined, retryable: true });
  });

  it("an attempt with the step's whole time that gets no answer is the step's time running out: a stall, not retried (ADR 82)", async () => {
    const hung = hits.get('/hang') ?? 0;
    const error = await run({ url: `${base}/hang`, retries: 2 }, testNodeContext({ timeoutMs: 150 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect(hits.get('/hang')).toBe(hung + 1);
    // Its own shorter timeout is the request's finding, not the step's.
    await expect(run({ url: `${base}/hang`, timeoutMs: 100, retries: 0 })).rejects.not.toBeInstanceOf(
      StepTimeoutError,
    );
  });

  it('times out an attempt, and stops when the step is cancelled', async () => {
    await expect(run({ url: `${base}/hang`, timeoutMs: 100, retries: 0 })).rejects.toBeInstanceOf(
      NodeTimeoutError,
    );
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 50);
    await expect(
      run({ url: `${base}/hang` }, testNodeContext({ signal: cancel.signal })),
    ).rejects.toBeInstanceOf(NodeCancelledError);
  });

  it('refuses non-http URLs, disallowed hosts and oversized answers', async () => {
    await expect(run({ url: 'file:///etc/passwd' })).rejects.toBeInstanceOf(NodeParamsError);
    const guarded = createHttpHandler({
      allowUrl: (url) => url.hostname === 'example.invalid',
      maxResponseBytes: 1024,
    });
    await expect(guarded.execute({ url: `${base}/text` }, testNodeContext())).rejects.toThrow(/not allowed/);
    const small = createHttpHandler({ maxResponseBytes: 1024 });
    await expect(small.execute({ url: `${base}/big` }, testNodeContext())).rejects.toThrow(
      /larger than 1024 bytes/,
    );
    await Promise.all([guarded.close(), small.close()]);
  });
});
