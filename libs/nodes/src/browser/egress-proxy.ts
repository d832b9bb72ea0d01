import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';
import { systemResolver, type EgressPolicy, type Resolver } from '@aether/egress';

/** The response header that carries the refusal of a plain-http request the proxy refused. */
export const EGRESS_REFUSAL_HEADER = 'x-aether-egress-refused';

type Destination = { readonly address: string; readonly refused?: undefined } | { readonly refused: string };

/**
 * A forward proxy on 127.0.0.1 for one job's browser context: every request and tunnel the page
 * opens (loopback included) goes through it, and it connects only to an address the policy
 * allowed — the browser never resolves a name itself, so DNS cannot rebind between check and
 * connection. A refused tunnel answers 403; a refused plain-http request answers 403 with
 * `EGRESS_REFUSAL_HEADER`.
 */
export class EgressProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly policy: EgressPolicy,
    private readonly resolve: Resolver,
    private readonly onRefused: (reason: string) => void,
  ) {}

  static async start(
    policy: EgressPolicy,
    options: { readonly resolve?: Resolver; readonly onRefused: (reason: string) => void },
  ): Promise<EgressProxy> {
    const server = createServer();
    const proxy = new EgressProxy(server, policy, options.resolve ?? systemResolver, options.onRefused);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void proxy.forward(req, res));
    server.on(
      'connect',
      (req: IncomingMessage, socket: Socket, head: Buffer) => void proxy.tunnel(req, socket, head),
    );
    server.on('connection', (socket: Socket) => proxy.track(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async destination(hostname: string): Promise<Destination> {
    const host = hostname.replace(/^\[|\]$/g, '');
    const byName = this.policy.refuseHost(host);
    if (byName) return { refused: byName };
    if (isIP(host)) return { address: host };
    const answers = await this.resolve(host).catch(() => []);
    const refused = answers.map((a) => this.policy.refuseAddress(a.address, host)).find(Boolean);
    if (refused) return { refused };
    const first = answers[0];
    return first ? { address: first.address } : { refused: `${host} has no address` };
  }

  private refuse(reason: string): string {
    const message = `requests to ${reason} are not allowed on this robot`;
    this.onRefused(message);
    return message;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(400).end();
    }
    const to = await this.destination(url.hostname);
    if (to.refused !== undefined) {
      const message = this.refuse(to.refused);
      return void res
        .writeHead(403, { [EGRESS_REFUSAL_HEADER]: message, 'content-type': 'text/plain' })
        .end(message);
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: to.address,
        port: url.port || 80,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  }

  private async tunnel(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    let url: URL;
    try {
      url = new URL(`http://${req.url ?? ''}`);
    } catch {
      return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    }
    const to = await this.destination(url.hostname);
    if (to.refused !== undefined) {
      this.refuse(to.refused);
      return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    }
    const upstream = connect(Number(url.port || 443), to.address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.track(upstream);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  }
}
