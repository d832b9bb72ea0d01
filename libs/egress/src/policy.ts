import { promises as dns, type LookupAddress } from 'node:dns';
import { BlockList, Socket, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';

/** A destination an egress policy refuses. Terminal: asking again reaches the same place. */
export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_DENIED';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Names of cloud metadata services, refused unless allowed by exact name. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Link-local ranges and cloud metadata addresses, refused unless allowed by exact address. */
const ALWAYS_DENIED = new BlockList();
ALWAYS_DENIED.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local; AWS, GCP, Azure, OCI metadata at .169.254
ALWAYS_DENIED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_DENIED.addSubnet('fe80::', 10, 'ipv6'); // link-local
ALWAYS_DENIED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

/** Loopback, private, shared, reserved and multicast ranges: not the public internet. */
const NOT_PUBLIC = new BlockList();
for (const [address, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3], // multicast, reserved, broadcast
] as const)
  NOT_PUBLIC.addSubnet(address, bits, 'ipv4');
for (const [address, bits] of [
  ['::', 127], // unspecified and loopback
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['fc00::', 7], // unique local
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC.addSubnet(address, bits, 'ipv6');

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** `::ffff:169.254.169.254` is 169.254.169.254. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

function normaliseHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** Resolves a host name to every address it has (default: the system resolver, as connections do). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * How a policy treats what its list does not name:
 * - `allow-list` (robots, `ROBOT_EGRESS_ALLOW`): without entries anywhere but link-local and
 *   metadata destinations; with entries only what they name.
 * - `public` (the gateway's outbound deliveries, `OUTBOUND_EGRESS_ALLOW`): the public internet,
 *   plus the loopback, private or reserved destinations the entries name.
 */
export type EgressMode = 'allow-list' | 'public';

/**
 * Where outgoing connections may go. Entries are host names (`api.example.com`), sub-domains
 * (`*.example.com`), addresses and CIDR ranges (`10.1.0.0/16`, `fd00::/8`); what the rest may
 * reach is the mode's (`EgressMode`). A metadata host or link-local address is reachable only
 * when named exactly, in every mode. Checked on the name before any request and on every address
 * the name resolves to when a connection is opened — redirects and DNS answers included.
 */
export class EgressPolicy {
  private readonly allowedRanges = new BlockList();
  private readonly allowedAddresses = new Set<string>();
  private readonly allowedNames = new Set<string>();
  private readonly allowedSuffixes: string[] = [];

  private constructor(
    private readonly mode: EgressMode,
    private readonly restricted: boolean,
    /** What refusals call the list ("this robot's egress allow-list", "OUTBOUND_EGRESS_ALLOW"). */
    private readonly listName: string,
  ) {}

  /**
   * Parses a comma-separated list; empty or absent: no entries. Default mode `allow-list`.
   * @throws Error naming the entry it cannot read.
   */
  static parse(
    list: string | undefined,
    options: { readonly mode?: EgressMode; readonly listName?: string } = {},
  ): EgressPolicy {
    const entries = (list ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const mode = options.mode ?? 'allow-list';
    const policy = new EgressPolicy(
      mode,
      mode === 'allow-list' && entries.length > 0,
      options.listName ?? "this robot's egress allow-list",
    );
    for (const entry of entries) policy.add(entry);
    return policy;
  }

  private add(entry: string): void {
    const cidr = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const [, address, bits] = cidr as unknown as [string, string, string];
      if (!isIP(address)) throw new Error(`egress allow-list: "${entry}" is not a CIDR range`);
      this.allowedRanges.addSubnet(address, Number(bits), family(address));
      return;
    }
    const host = normaliseHost(entry);
    if (isIP(host)) {
      this.allowedAddresses.add(unmapped(host));
      this.allowedRanges.addAddress(unmapped(host), family(unmapped(host)));
    } else if (host.startsWith('*.') && /^[a-z0-9.-]+$/.test(host.slice(2)))
      this.allowedSuffixes.push(host.slice(1));
    else if (/^[a-z0-9.-]+$/.test(host)) this.allowedNames.add(host);
    else throw new Error(`egress allow-list: "${entry}" is not a host name, address or CIDR range`);
  }

  /** Why a request to this host name (or address) is refused before resolving it; undefined: go on. */
  refuseHost(hostname: string): string | undefined {
    const host = normaliseHost(hostname);
    if (isIP(host)) return this.refuseAddress(host, host);
    if (METADATA_HOSTS.has(host) && !this.allowedNames.has(host))
      return `${host} is a cloud metadata service`;
    return undefined;
  }

  /** Why connecting to `address` (what `hostname` resolved to) is refused; undefined: allowed. */
  refuseAddress(address: string, hostname: string): string | undefined {
    const ip = unmapped(normaliseHost(address));
    const host = normaliseHost(hostname);
    if (ALWAYS_DENIED.check(ip, family(ip)) && !this.allowedAddresses.has(ip))
      return `${host === ip ? ip : `${host} (${ip})`} is a link-local or cloud metadata address`;
    const named = this.allowedNames.has(host) || this.allowedSuffixes.some((suffix) => host.endsWith(suffix));
    const listed = named || this.allowedRanges.check(ip, family(ip));
    if (this.mode === 'public') {
      if (listed || !NOT_PUBLIC.check(ip, family(ip))) return undefined;
      return `${host === ip ? ip : `${host} (${ip})`} is not a public address and not on ${this.listName}`;
    }
    if (!this.restricted || listed) return undefined;
    return `${host === ip ? ip : `${host} (${ip})`} is not on ${this.listName}`;
  }

  /**
   * Why a request to `hostname` is refused, checking the name and every address it resolves to.
   * A name that does not resolve is not refused here: the connection's own check decides later.
   */
  async refuseResolved(hostname: string, resolve: Resolver = systemResolver): Promise<string | undefined> {
    const byName = this.refuseHost(hostname);
    if (byName || isIP(normaliseHost(hostname))) return byName;
    const answers = await resolve(normaliseHost(hostname)).catch(() => []);
    return answers.map((answer) => this.refuseAddress(answer.address, hostname)).find(Boolean);
  }
}

/**
 * A `lookup` for `net.connect` that resolves once, refuses when any answer is refused, and hands
 * the socket the address it checked. IP literals never reach a lookup: check them with `refuseHost`.
 */
export function guardedLookup(
  policy: EgressPolicy,
  resolve: Resolver = systemResolver,
  refused: (message: string) => Error = (message) => new EgressRefusedError(message),
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const wanted = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = wanted ? answers.filter((a) => a.family === wanted) : answers;
        const refusal = usable.map((a) => policy.refuseAddress(a.address, hostname)).find(Boolean);
        if (refusal) return callback(refused(`requests to ${refusal} are not allowed`), '');
        if (usable.length === 0)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, [...usable]);
        const first = usable[0] as LookupAddress;
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/**
 * An undici connector that opens a connection only to addresses the policy allows: IP literals are
 * checked as they are, names are resolved once and every answer checked, and the connection goes
 * to the answer that was checked (no second resolution to rebind).
 */
export function guardedConnector(
  policy: EgressPolicy,
  resolve: Resolver = systemResolver,
  refused: (message: string) => Error = (message) => new EgressRefusedError(message),
): buildConnector.connector {
  const lookup = guardedLookup(policy, resolve, refused);
  const connect = buildConnector({ lookup });
  return (options, callback) => {
    const refusal = policy.refuseHost(options.hostname);
    if (refusal) {
      callback(refused(`requests to ${refusal} are not allowed`), null);
      return;
    }
    connect(options, callback);
  };
}

/**
 * An unconnected socket whose `connect(port, host)` goes only where the policy allows, for drivers
 * that take a socket factory (pg's and mysql2's `stream`). A Unix socket path is local: allowed
 * when the policy lets the robot reach its own loopback.
 */
export function guardedSocket(
  policy: EgressPolicy,
  resolve: Resolver = systemResolver,
  refused: (message: string) => Error = (message) => new EgressRefusedError(message),
): Socket {
  const socket = new Socket();
  const lookup = guardedLookup(policy, resolve, refused);
  const connect = socket.connect.bind(socket) as (...args: unknown[]) => Socket;
  const refuse = (refusal: string) => {
    process.nextTick(() => socket.destroy(refused(`requests to ${refusal} are not allowed`)));
    return socket;
  };
  socket.connect = ((port: number | string, to?: string) => {
    const host = to ?? 'localhost';
    if (typeof port === 'string' && !/^\d+$/.test(port)) {
      const local = policy.refuseAddress('127.0.0.1', 'localhost');
      return local ? refuse(`the Unix socket ${port} (${local})`) : connect(port);
    }
    const refusal = policy.refuseHost(host);
    return refusal ? refuse(refusal) : connect({ port: Number(port), host, lookup });
  }) as Socket['connect'];
  return socket;
}

/**
 * Options for a client that hands its own options to `net.connect` or `tls.connect` (ImapFlow's
 * `tls`): a host that is an address is checked now, a name by the returned `lookup` when the
 * connection opens, which connects to the answer it checked. The host name stays the client's, so
 * TLS sends it as SNI and checks the certificate against it.
 * @throws the refusal (`refused`'s error) when the host itself is refused, before any connection.
 */
export function guardedConnectOptions(
  policy: EgressPolicy,
  host: string,
  resolve: Resolver = systemResolver,
  refused: (message: string) => Error = (message) => new EgressRefusedError(message),
): { lookup: LookupFunction } {
  const refusal = policy.refuseHost(host);
  if (refusal) throw refused(`requests to ${refusal} are not allowed`);
  return { lookup: guardedLookup(policy, resolve, refused) };
}
