import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { EgressDeniedError } from '../http/egress';
import { guardedImapOptions, guardedSmtpSocket, refuseSmtpUrl } from './mail-egress';

const dns: Record<string, string> = {
  'smtp.acme.test': '127.0.0.1',
  'rebind.acme.test': '169.254.169.254',
};
const resolve: Resolver = async (hostname) => {
  const address = dns[hostname];
  if (!address) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

describe('refuseSmtpUrl', () => {
  it('lets smtp and smtps URLs through, with their TLS and pool options', () => {
    expect(refuseSmtpUrl('smtp://u:p@smtp.acme.test:587')).toBeUndefined();
    expect(
      refuseSmtpUrl('smtps://u:p@smtp.acme.test?tls.rejectUnauthorized=false&pool=true'),
    ).toBeUndefined();
  });

  it.each(['proxy=http://169.254.169.254:80', 'sendmail=true', 'jsonTransport=true', 'direct=true'])(
    'refuses the option that would connect beside the guard: %s',
    (query) => {
      const refusal = refuseSmtpUrl(`smtp://u:Secr3t@smtp.acme.test?${query}`);
      expect(refusal).toContain(`"${query.split('=')[0]}"`);
      expect(refusal).not.toContain('Secr3t');
    },
  );

  it('refuses what is not an smtp URL without quoting it', () => {
    expect(refuseSmtpUrl('http://u:Secr3t@smtp.acme.test')).toMatch(/expected an smtp/);
    expect(refuseSmtpUrl('Secr3t')).toBe('smtp: not a URL (value hidden)');
  });
});

describe('the SMTP socket and the IMAP options behind the egress guard (real sockets)', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  const open: Socket[] = [];
  const socketFor = (allow: string | undefined, host: string, at = port) =>
    new Promise<Socket>((done, fail) =>
      guardedSmtpSocket({ egress: EgressPolicy.parse(allow), resolve })(
        { host, port: at, connectionTimeout: 5_000 },
        (error, socket) => {
          if (error) return fail(error);
          open.push(socket!.connection);
          done(socket!.connection);
        },
      ),
    );

  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => (connections = 0));
  afterEach(() => open.splice(0).forEach((socket) => socket.destroy()));
  afterAll(() => new Promise((done) => server.close(done)));

  it('hands nodemailer a socket connected to the address it checked', async () => {
    const socket = await socketFor('smtp.acme.test', 'smtp.acme.test');
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.remotePort).toBe(port);
    await new Promise((done) => setTimeout(done, 20));
    expect(connections).toBe(1);
  });

  it('refuses an address the list does not name, opening no connection', async () => {
    await expect(socketFor('10.0.0.0/8', '127.0.0.1')).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      retryable: false,
      message: expect.stringContaining("127.0.0.1 is not on this robot's egress allow-list"),
    });
    await expect(socketFor('10.0.0.0/8', 'smtp.acme.test')).rejects.toBeInstanceOf(EgressDeniedError);
    await new Promise((done) => setTimeout(done, 20));
    expect(connections).toBe(0);
  });

  it('refuses a name whose DNS answer is a metadata address, whatever the list', async () => {
    await expect(socketFor(undefined, 'rebind.acme.test', 80)).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringContaining(
        'rebind.acme.test (169.254.169.254) is a link-local or cloud metadata address',
      ),
    });
  });

  it('gives ImapFlow nothing without a policy, and refuses a forbidden address before it exists', () => {
    expect(guardedImapOptions('169.254.169.254', {})).toEqual({});
    expect(() => guardedImapOptions('169.254.169.254', { egress: EgressPolicy.parse(undefined) })).toThrow(
      EgressDeniedError,
    );
    expect(() => guardedImapOptions('127.0.0.1', { egress: EgressPolicy.parse('imap.acme.test') })).toThrow(
      "127.0.0.1 is not on this robot's egress allow-list",
    );
  });

  it('gives ImapFlow a lookup that answers the checked address and refuses the others', async () => {
    const { tls } = guardedImapOptions('smtp.acme.test', {
      egress: EgressPolicy.parse('smtp.acme.test'),
      resolve,
    });
    const lookup = (host: string) =>
      new Promise<string>((done, fail) =>
        tls!.lookup(host, {}, (error, address) => (error ? fail(error) : done(address as string))),
      );
    await expect(lookup('smtp.acme.test')).resolves.toBe('127.0.0.1');
    await expect(lookup('rebind.acme.test')).rejects.toBeInstanceOf(EgressDeniedError);
  });
});
