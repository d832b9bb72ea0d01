import { promises as dns, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { NodeError } from '../errors';

/** A destination the robot's egress policy refuses. Terminal: asking again reaches the same place. */
export class EgressDeniedError extends NodeError {
  readonly code = 'EGRESS_DENIED';
  readonly retryable = false;
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

/**
 * Where a robot's HTTP requests may go. Without an allow-list: anywhere but link-local addresses
 * and cloud metadata services. With one: only destinations it names — host names (`api.example.com`),
 * sub-domains (`*.example.com`), addresses and CIDR ranges (`10.1.0.0/16`, `fd00::/8`); a metadata
 * host or link-local address is reachable only when named exactly. Checked on the name before any
 * request and on every address the name resolves to when a connection is opened — redirects and
 * DNS answers included.
 */
export class EgressPolicy {
  private readonly allowedRanges = new BlockList();
  private readonly allowedAddresses = new Set<string>();
  private readonly allowedNames = new Set<string>();
  private readonly allowedSuffixes: string[] = [];

  private constructor(private readonly restricted: boolean) {}

  /** Parses a comma-separated allow-list (`ROBOT_EGRESS_ALLOW`); empty or absent: no allow-list. */
  static parse(allowList: string | undefined): EgressPolicy {
    const entries = (allowList ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const policy = new EgressPolicy(entries.length > 0);
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
    if (!this.restricted) return undefined;
    const named = this.allowedNames.has(host) || this.allowedSuffixes.some((suffix) => host.endsWith(suffix));
    if (named || this.allowedRanges.check(ip, family(ip))) return undefined;
    return `${host === ip ? ip : `${host} (${ip})`} is not on this robot's egress allow-list`;
  }
}

/** Resolves a host name to every address it has (default: the system resolver, as connections do). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * An undici connector that opens a connection only to addresses the policy allows: IP literals are
 * checked as they are, names are resolved once and every answer checked, and the connection goes
 * to the answer that was checked (no second resolution to rebind).
 */
export function guardedConnector(
  policy: EgressPolicy,
  resolve: Resolver = systemResolver,
): buildConnector.connector {
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const wanted = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = wanted ? answers.filter((a) => a.family === wanted) : answers;
        const refused = usable.map((a) => policy.refuseAddress(a.address, hostname)).find(Boolean);
        if (refused)
          return callback(new EgressDeniedError(`requests to ${refused} are not allowed on this robot`), '');
        if (usable.length === 0)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, [...usable]);
        const first = usable[0] as LookupAddress;
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
  const connect = buildConnector({ lookup });
  return (options, callback) => {
    const refused = policy.refuseHost(options.hostname);
    if (refused) {
      callback(new EgressDeniedError(`requests to ${refused} are not allowed on this robot`), null);
      return;
    }
    connect(options, callback);
  };
}
