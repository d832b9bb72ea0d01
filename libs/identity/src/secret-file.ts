import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `text` for its owner's eyes only: the folder made 0700 if missing, the file 0600 — also a
 * file that existed with a wider mode, which `writeFileSync`'s `mode` leaves as it was.
 */
export function writeSecretFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}
