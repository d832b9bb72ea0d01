import { createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { open, seal } from './aead';

const INFO = 'aether.sealed-box.v1';

/** A value sealed to one recipient's public key: only the holder of its private key opens it. */
export interface SealedBox {
  /** The sender's one-time X25519 public key (SPKI DER, base64url). */
  readonly ephemeralKey: string;
  /** AES-256-GCM `iv ‖ ciphertext ‖ tag`, base64url. */
  readonly ciphertext: string;
}

function boxKey(shared: Buffer, senderPublic: string, recipientPublic: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, `${senderPublic}|${recipientPublic}`, INFO, 32));
}

const exportPublic = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).toString('base64url');
const importPublic = (spki: string) =>
  createPublicKey({ key: Buffer.from(spki, 'base64url'), format: 'der', type: 'spki' });

/**
 * Seals `plaintext` to `recipientPublicKey` (X25519 + HKDF-SHA256 + AES-256-GCM, a fresh sender
 * key each time). It keeps secrets unreadable on a wire anyone could listen to (core NATS without
 * accounts). `context` (e.g. the job id) must match when opening.
 */
export function sealTo(recipientPublicKey: string, plaintext: Buffer, context: string): SealedBox {
  const recipient = importPublic(recipientPublicKey);
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralKey = exportPublic(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const key = boxKey(shared, ephemeralKey, recipientPublicKey);
  return { ephemeralKey, ciphertext: seal(key, plaintext, context) };
}

/** A one-time key pair that receives sealed boxes. */
export class SealedBoxRecipient {
  readonly publicKey: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('x25519');
    this.privateKey = pair.privateKey;
    this.publicKey = exportPublic(pair.publicKey);
  }

  /** Throws `TamperedCiphertextError` when the box was not sealed to this key with this context. */
  open(box: SealedBox, context: string): Buffer {
    const shared = diffieHellman({ privateKey: this.privateKey, publicKey: importPublic(box.ephemeralKey) });
    return open(boxKey(shared, box.ephemeralKey, this.publicKey), box.ciphertext, context);
  }
}
