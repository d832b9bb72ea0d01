import { EgressPolicy, EgressRefusedError, guardedConnectOptions } from './policy';

describe('the egress policy', () => {
  const open = EgressPolicy.parse(undefined);

  it('refuses link-local and cloud metadata destinations by default, and nothing else', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.1.1',
      '::ffff:169.254.169.254',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
    ])
      expect({ address, refused: open.refuseAddress(address, address) }).toEqual({
        address,
        refused: expect.any(String),
      });
    for (const host of [
      'metadata.google.internal',
      'METADATA.GOOGLE.INTERNAL.',
      'metadata',
      'instance-data',
      '[fd00:ec2::254]',
    ])
      expect({ host, refused: open.refuseHost(host) }).toEqual({ host, refused: expect.any(String) });
    for (const address of ['127.0.0.1', '10.0.0.1', '93.184.216.34', '::1', '2001:db8::1'])
      expect(open.refuseAddress(address, 'example.com')).toBeUndefined();
    expect(open.refuseHost('example.com')).toBeUndefined();
  });

  it('with an allow-list, lets through only what it names', () => {
    const policy = EgressPolicy.parse('10.0.0.0/8, api.example.com, *.corp.example, fd00:1::/32, 192.0.2.7');
    expect(policy.refuseAddress('10.1.2.3', 'db.internal')).toBeUndefined();
    expect(policy.refuseAddress('203.0.113.9', 'api.example.com')).toBeUndefined();
    expect(policy.refuseAddress('203.0.113.9', 'build.corp.example')).toBeUndefined();
    expect(policy.refuseAddress('fd00:1::5', 'v6.internal')).toBeUndefined();
    expect(policy.refuseAddress('192.0.2.7', '192.0.2.7')).toBeUndefined();
    expect(policy.refuseAddress('127.0.0.1', 'localhost')).toMatch(/not on this robot's egress allow-list/);
    expect(policy.refuseAddress('203.0.113.9', 'example.com')).toMatch(/allow-list/);
    expect(policy.refuseAddress('203.0.113.9', 'corp.example')).toMatch(/allow-list/);
    expect(policy.refuseAddress('192.0.2.8', '192.0.2.8')).toMatch(/allow-list/);
  });

  it('opens a metadata address only to an entry naming it exactly, never to a wider range', () => {
    expect(EgressPolicy.parse('169.254.0.0/16').refuseAddress('169.254.169.254', 'x')).toMatch(/metadata/);
    expect(EgressPolicy.parse('169.254.169.254').refuseAddress('169.254.169.254', 'x')).toBeUndefined();
    expect(EgressPolicy.parse('*.internal').refuseHost('metadata.google.internal')).toMatch(/metadata/);
    expect(
      EgressPolicy.parse('metadata.google.internal').refuseHost('metadata.google.internal'),
    ).toBeUndefined();
  });

  it('names an entry it cannot read', () => {
    expect(() => EgressPolicy.parse('10.0.0.0/8,not a host')).toThrow(/"not a host"/);
    expect(() => EgressPolicy.parse('10.0.0.256/8')).toThrow(/not a CIDR range/);
  });

  it('in public mode, refuses loopback, private and reserved addresses unless named', () => {
    const gateway = EgressPolicy.parse('127.0.0.1, hooks.corp.example', { mode: 'public', listName: 'X' });
    for (const address of ['10.0.0.1', '172.16.5.5', '192.168.1.1', '127.0.0.2', '0.0.0.0', '::1', 'fd12::1'])
      expect({ address, refused: gateway.refuseAddress(address, 'a.example') }).toEqual({
        address,
        refused: expect.stringMatching(/not a public address and not on X/),
      });
    expect(gateway.refuseAddress('::ffff:10.0.0.1', 'a.example')).toMatch(/not a public address/);
    expect(gateway.refuseAddress('169.254.169.254', 'a.example')).toMatch(/metadata/);
    expect(gateway.refuseAddress('127.0.0.1', '127.0.0.1')).toBeUndefined();
    expect(gateway.refuseAddress('10.9.9.9', 'hooks.corp.example')).toBeUndefined();
    expect(gateway.refuseAddress('93.184.216.34', 'example.com')).toBeUndefined();
    expect(gateway.refuseAddress('2606:2800:220:1::1', 'example.com')).toBeUndefined();
  });

  it('checks every address a name resolves to', async () => {
    const gateway = EgressPolicy.parse(undefined, { mode: 'public' });
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    await expect(gateway.refuseResolved('mixed.example', resolve)).resolves.toMatch(/10\.0\.0\.7/);
    await expect(
      gateway.refuseResolved('nowhere.example', () => Promise.reject(new Error('ENOTFOUND'))),
    ).resolves.toBeUndefined();
    await expect(gateway.refuseResolved('[::1]')).resolves.toMatch(/not a public address/);
  });

  it('gives a client connect options that refuse an address now and a name when it resolves', async () => {
    const policy = EgressPolicy.parse('imap.example.com');
    expect(() => guardedConnectOptions(policy, '10.0.0.7')).toThrow(EgressRefusedError);
    expect(() => guardedConnectOptions(EgressPolicy.parse(undefined), '[fd00:ec2::254]')).toThrow(
      /link-local or cloud metadata/,
    );
    const answers: Record<string, string> = { 'imap.example.com': '10.0.0.7', 'db.example.com': '10.0.0.8' };
    const { lookup } = guardedConnectOptions(policy, 'imap.example.com', async (host) => [
      { address: answers[host] as string, family: 4 },
    ]);
    const look = (host: string) =>
      new Promise((done, fail) =>
        lookup(host, {}, (error, address) => (error ? fail(error) : done(address))),
      );
    await expect(look('imap.example.com')).resolves.toBe('10.0.0.7');
    await expect(look('db.example.com')).rejects.toThrow(
      "db.example.com (10.0.0.8) is not on this robot's egress allow-list",
    );
  });
});
