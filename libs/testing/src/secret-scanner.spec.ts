import { gzipSync } from 'node:zlib';
import { SecretScanner, encodingsOf } from './secret-scanner';

const SECRET = 'Pa55 "w/rd"+&ümlaut=%x\\';

describe('the secret scanner', () => {
  it('finds a planted value in every encoding it knows', () => {
    const encodings = encodingsOf(SECRET);
    expect(encodings.map((e) => e.encoding)).toEqual(
      expect.arrayContaining(['plain', 'json', 'url', 'form', 'base64', 'base64url', 'base64@1', 'base64@2']),
    );
    for (const { encoding, text } of encodings) {
      const scanner = new SecretScanner(SECRET);
      scanner.scan('log', `planted ${encoding}`, `{"level":30,"msg":"x ${text} y"}`);
      // Encodings that coincide for this value (base64 without + or /) report the first that matched.
      expect(scanner.findings).toEqual([
        expect.objectContaining({ source: 'log', where: `planted ${encoding}` }),
      ]);
    }
  });

  it('finds a value base64-encoded inside a longer document, at any alignment', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const scanner = new SecretScanner(SECRET);
      const blob = Buffer.from(`{"note":"${prefix}${SECRET}","more":1}`).toString('base64');
      scanner.scan('event', prefix || 'aligned', blob);
      expect(scanner.findings).toHaveLength(1);
    }
  });

  it('finds a value in gzipped and in binary bytes', () => {
    const scanner = new SecretScanner(SECRET);
    scanner.scan('artifact', 'dom.html.gz', gzipSync(Buffer.from(`<input value="${SECRET}">`)));
    scanner.scan(
      'artifact',
      'shot.bin',
      Buffer.concat([Buffer.from([0, 255, 3]), Buffer.from(SECRET), Buffer.from([7])]),
    );
    expect(scanner.findings.map((f) => f.where)).toEqual(['dom.html.gz', 'shot.bin']);
    expect(scanner.scanned).toBe(2);
  });

  it('finds nothing where the value is absent, even near misses', () => {
    const scanner = new SecretScanner(SECRET);
    scanner.scan(
      'log',
      'near miss',
      `${SECRET.slice(0, -1)} and ${Buffer.from(SECRET.slice(1)).toString('base64')}`,
    );
    expect(scanner.findings).toEqual([]);
  });

  it('refuses to scan for values short enough to match by chance', () => {
    expect(() => new SecretScanner('abc')).toThrow(/at least 8/);
  });
});
