import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, seal, TamperedCiphertextError } from './aead';
import { generateMasterKey, loadMasterKeyring, masterKey, MasterKeyConfigError } from './master-keys';
import { SealedBoxRecipient, sealTo } from './sealed-box';

const key = masterKey(generateMasterKey()).key;

describe('AES-256-GCM sealing', () => {
  it('opens what it sealed, with the same associated data', () => {
    const sealed = seal(key, Buffer.from('hunter2'), 'tenant-a|pw');
    expect(sealed).not.toContain('hunter2');
    expect(open(key, sealed, 'tenant-a|pw').toString()).toBe('hunter2');
  });

  it('never seals the same value to the same ciphertext', () => {
    expect(seal(key, Buffer.from('x'), 'a')).not.toBe(seal(key, Buffer.from('x'), 'a'));
  });

  it('refuses a flipped bit, another place and another key', () => {
    const sealed = seal(key, Buffer.from('hunter2'), 'tenant-a|pw');
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[14] = (bytes[14] as number) ^ 1;
    expect(() => open(key, bytes.toString('base64url'), 'tenant-a|pw')).toThrow(TamperedCiphertextError);
    expect(() => open(key, sealed, 'tenant-b|pw')).toThrow(TamperedCiphertextError);
    expect(() => open(masterKey(generateMasterKey()).key, sealed, 'tenant-a|pw')).toThrow(
      TamperedCiphertextError,
    );
    expect(() => open(key, 'AAAA', 'tenant-a|pw')).toThrow(TamperedCiphertextError);
  });
});

describe('master keys', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aether-master-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a key file readable by its owner only, and reads the same key back', () => {
    const file = join(dir, 'vault', 'master-keys.json');
    const first = loadMasterKeyring({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadMasterKeyring({ file }).current.kid).toBe(first.current.kid);
    expect(JSON.parse(readFileSync(file, 'utf8')).others).toEqual([]);
  });

  it('takes the environment over the file, with the other keys it may unwrap with', () => {
    const current = generateMasterKey();
    const previous = generateMasterKey();
    const ring = loadMasterKeyring({ current, others: ` ${previous} ,`, file: join(dir, 'unused.json') });
    expect(ring.current.kid).toBe(masterKey(current).kid);
    expect(ring.find(masterKey(previous).kid)).toBeDefined();
    expect(ring.kids).toHaveLength(2);
  });

  it('names the problem with a key of the wrong length', () => {
    expect(() => masterKey(Buffer.alloc(16).toString('base64'))).toThrow(MasterKeyConfigError);
  });
});

describe('sealed boxes', () => {
  it('open only for their recipient and context', () => {
    const robot = new SealedBoxRecipient();
    const box = sealTo(robot.publicKey, Buffer.from('{"pw":"hunter2"}'), 'job-1');
    expect(JSON.stringify(box)).not.toContain('hunter2');
    expect(robot.open(box, 'job-1').toString()).toBe('{"pw":"hunter2"}');
    expect(() => robot.open(box, 'job-2')).toThrow(TamperedCiphertextError);
    expect(() => new SealedBoxRecipient().open(box, 'job-1')).toThrow(TamperedCiphertextError);
  });
});
