import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { z } from 'zod';

/** The algorithm of the embedded issuer's keys: ECDSA P-256, what every OIDC client verifies. */
export const SIGNING_ALGORITHM = 'ES256';

const KeyFileSchema = z.object({
  kid: z.string().min(1),
  alg: z.literal(SIGNING_ALGORITHM),
  privateJwk: z.record(z.string(), z.unknown()),
});

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyLike | Uint8Array;
  /** The public half as a JWK with `kid`, `alg` and `use`, as `/auth/jwks` publishes it. */
  readonly publicJwk: JWK;
}

/**
 * The embedded issuer's key, read from `file` or generated there on first use (mode 0600, its
 * folder 0700). Every gateway replica must be given the same file.
 */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  if (!existsSync(file)) {
    const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const record = { kid: randomUUID(), alg: SIGNING_ALGORITHM, privateJwk: await exportJWK(privateKey) };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const record = KeyFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const privateJwk = record.privateJwk as unknown as JWK;
  const { d: _private, ...publicJwk } = privateJwk;
  return {
    kid: record.kid,
    privateKey: await importJWK(privateJwk, SIGNING_ALGORITHM),
    publicJwk: { ...publicJwk, kid: record.kid, alg: SIGNING_ALGORITHM, use: 'sig' },
  };
}
