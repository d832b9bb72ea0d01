import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const KEY_BYTES = 32;

/** A master key that is not 32 bytes of base64, or a key file that is not what it should be. */
export class MasterKeyConfigError extends Error {
  override readonly name = 'MasterKeyConfigError';
}

/** One AES-256 master key and its id: the first 8 bytes of its SHA-256, so ids need no configuring. */
export interface MasterKey {
  readonly kid: string;
  readonly key: Buffer;
}

/**
 * The master keys a vault knows: `current` wraps every new or rewrapped data key; `others` only
 * unwrap. During a rotation `others` holds the previous key (data keys not yet rewrapped) or,
 * before a rotation, the next one (so every replica can read what the first rotated one writes).
 */
export class MasterKeyring {
  private readonly byKid: ReadonlyMap<string, MasterKey>;

  constructor(
    readonly current: MasterKey,
    others: readonly MasterKey[] = [],
  ) {
    this.byKid = new Map([...others, current].map((k) => [k.kid, k]));
  }

  static fromBase64(current: string, others: readonly string[] = []): MasterKeyring {
    return new MasterKeyring(masterKey(current), others.map(masterKey));
  }

  find(kid: string): MasterKey | undefined {
    return this.byKid.get(kid);
  }

  get kids(): string[] {
    return [...this.byKid.keys()];
  }
}

export function masterKey(base64: string): MasterKey {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new MasterKeyConfigError(`a master key is ${KEY_BYTES} bytes, base64 encoded (got ${key.length})`);
  return { kid: createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url'), key };
}

/** A fresh random master key, base64. */
export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

const KeyFileSchema = z.object({ current: z.string(), others: z.array(z.string()).default([]) });

export interface MasterKeySources {
  /** `AETHER_MASTER_KEY`: the current key, base64 of 32 bytes. Wins over the file. */
  readonly current?: string;
  /** `AETHER_MASTER_KEY_OTHERS`: comma-separated keys that may still (or already) unwrap. */
  readonly others?: string;
  /** A JSON file `{"current": "<base64>", "others": ["<base64>"]}`; generated (mode 0600) when missing and no key is given. */
  readonly file: string;
}

/**
 * The master keyring from the environment or from a key file, created with one random key on
 * first use of an empty data folder. Every replica of the services that open the vault must be
 * given the same keys.
 */
export function loadMasterKeyring(sources: MasterKeySources): MasterKeyring {
  const others = (sources.others ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (sources.current) return MasterKeyring.fromBase64(sources.current, others);
  if (!existsSync(sources.file)) {
    mkdirSync(dirname(sources.file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(sources.file, JSON.stringify({ current: generateMasterKey(), others: [] }), {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const parsed = KeyFileSchema.safeParse(JSON.parse(readFileSync(sources.file, 'utf8')));
  if (!parsed.success) throw new MasterKeyConfigError(`${sources.file} is not a master key file`);
  return MasterKeyring.fromBase64(parsed.data.current, [...parsed.data.others, ...others]);
}
