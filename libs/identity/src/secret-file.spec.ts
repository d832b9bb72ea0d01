import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSecretFile } from './secret-file';

describe('writeSecretFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aether-secret-file-'));

  it('makes the folder and a file only its owner may read', () => {
    const file = join(dir, 'new', 'user.creds');
    writeSecretFile(file, 'seed');
    expect(readFileSync(file, 'utf8')).toBe('seed');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o700);
  });

  it('narrows a file that existed readable by others', () => {
    const file = join(dir, 'old.creds');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    writeSecretFile(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
