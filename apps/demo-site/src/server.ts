import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRoutes } from './api.routes';
import { authRoutes } from './auth.routes';
import { errorPage } from './html';
import { HttpError, htmlReply, jsonReply, parseCookies, redirect, type Reply } from './http';
import { orderRoutes } from './order.routes';
import { OrderStore } from './orders';
import { matchRoute, type Route, type SiteState } from './routing';
import { DEFAULT_DEMO_PASSWORD, SESSION_COOKIE, SessionStore } from './sessions';
import { toolRoutes } from './tools.routes';
import type { DemoSite, DemoSiteOptions, DemoVariant } from './types';
import { DEMO_VARIANTS, isDemoVariant } from './variants';

const ROUTES: ReadonlyArray<Route> = [...authRoutes, ...orderRoutes, ...toolRoutes, ...apiRoutes];

function assertVariant(variant: unknown): asserts variant is DemoVariant {
  if (!isDemoVariant(variant)) {
    throw new RangeError(
      `Unknown demo variant "${String(variant)}"; expected one of ${DEMO_VARIANTS.join(', ')}`,
    );
  }
}

function errorReply(error: unknown, url: URL): Reply {
  const status = error instanceof HttpError ? error.status : 500;
  const message = error instanceof HttpError ? error.message : 'The server failed to answer this request.';
  if (!(error instanceof HttpError)) console.error('demo-site: request failed', error);
  const machineReadable = url.pathname.startsWith('/api/') || url.pathname === '/__variant';
  if (machineReadable) return jsonReply(status, { error: message });
  // 413 leaves the rest of the body unread, so the connection cannot be reused.
  const headers = status === 413 ? { connection: 'close' } : {};
  return htmlReply(
    status,
    errorPage({ title: status >= 500 ? 'Server error' : 'Request rejected', message }),
    headers,
  );
}

async function route(site: SiteState, req: IncomingMessage, url: URL, signal: AbortSignal): Promise<Reply> {
  const match = matchRoute(ROUTES, req.method ?? 'GET', url.pathname);
  switch (match.kind) {
    case 'not-found':
      return htmlReply(
        404,
        errorPage({ title: 'Page not found', message: `Nothing lives at ${url.pathname}.` }),
      );
    case 'wrong-method':
      return htmlReply(
        405,
        errorPage({ title: 'Method not allowed', message: `Use ${match.allowed.join(' or ')}.` }),
        {
          allow: match.allowed.join(', '),
        },
      );
    case 'found': {
      const sessionToken = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      const session = site.sessions.find(sessionToken);
      if (match.route.access === 'session' && session === undefined) return redirect('/login');
      return match.route.handle({ req, url, params: match.params, site, session, sessionToken, signal });
    }
    default: {
      const _exhaustive: never = match;
      return _exhaustive;
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  const { port = 0, host = '127.0.0.1', variant = 'v1', pageSize = 10 } = options;
  assertVariant(variant);
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }

  const site: SiteState = {
    variant,
    pageSize,
    password: options.password ?? DEFAULT_DEMO_PASSWORD,
    sessions: new SessionStore(),
    orders: new OrderStore(),
    sideEffects: new Map(),
    appliedEffects: new Map(),
    idempotencyKeys: new Set(),
    flakyHits: new Map(),
  };

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://demo-site.invalid');
    // `close()` destroys every connection, so this also fires when the site stops.
    const connectionClosed = new AbortController();
    res.once('close', () => connectionClosed.abort());
    const { signal } = connectionClosed;
    // Once the client or the site is gone, nobody reads the answer and the failure is expected.
    const reply = await route(site, req, url, signal).catch((error: unknown) =>
      signal.aborted ? { status: 503 } : errorReply(error, url),
    );
    if (res.destroyed) return;
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  const server = createServer((req, res) => void respond(req, res));
  await listen(server, port, host);
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    close,
    setVariant: (next) => {
      assertVariant(next);
      site.variant = next;
    },
    sideEffects: () => Object.fromEntries(site.sideEffects),
    appliedEffects: () => Object.fromEntries(site.appliedEffects),
    orders: () => site.orders.all(),
  };
}
