import { createHash } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { RequestError, type NatsConnection } from '@nats-io/transport-node';
import { artifactsBucket, type TenantId } from '@aether/contracts';
import { createOrFindStream, directGet, topologyOf } from '@aether/event-store';
import type { BucketSettings } from './buckets';

/** How long step artifacts are kept, in ms: 30 days. */
export const ARTIFACTS_TTL_MS = 30 * 24 * 3_600_000;

export interface ArtifactsBucketOptions extends BucketSettings {
  /** How long artifacts are kept, in ms. Default `ARTIFACTS_TTL_MS`; `0` keeps them until deleted. */
  readonly ttlMs?: number;
}

/**
 * Creates the tenant's artifacts bucket, or opens it as it is (ADR 76). Services make it (the
 * gateway when it enrols a robot of the tenant); a robot without credentials of its own makes
 * its own tenant's.
 */
export function ensureArtifactsBucket(
  nc: NatsConnection,
  tenantId: TenantId,
  options: ArtifactsBucketOptions = {},
): Promise<ObjectStore> {
  const placement = topologyOf(options).placement;
  return createOrFindStream(() =>
    new Objm(nc).create(artifactsBucket(tenantId), {
      description: `Aether step artifacts of tenant ${tenantId}: screenshots, downloads, DOM snapshots`,
      ttl: (options.ttlMs ?? ARTIFACTS_TTL_MS) * 1_000_000,
      replicas: options.replicas ?? 1,
      ...(placement ? { placement } : {}),
    }),
  );
}

/** `obj://<bucket>/<name>`: how events refer to an artifact. */
export function artifactRef(bucket: string, name: string): string {
  return `obj://${bucket}/${name}`;
}

/** The bucket and object name of an `obj://<bucket>/<name>` reference; `null` for anything else. */
export function parseArtifactRef(ref: string): { bucket: string; name: string } | null {
  const match = /^obj:\/\/([A-Za-z0-9_-]+)\/(.+)$/s.exec(ref);
  return match ? { bucket: match[1] ?? '', name: match[2] ?? '' } : null;
}

/** The object store's metadata message (`$O.<bucket>.M.<name>`), as far as a reader needs it. */
interface ObjectMeta {
  readonly nuid: string;
  readonly size: number;
  readonly chunks: number;
  readonly digest: string;
  readonly deleted?: boolean;
  readonly options?: { readonly link?: unknown };
}

/** An object store's object was found but its chunks do not add up to what its metadata says. */
export class CorruptObjectError extends Error {
  override readonly name = 'CorruptObjectError';
}

const base64UrlPadded = (bytes: Buffer) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

/**
 * An object's bytes, read with direct gets only: its metadata's last message, then each chunk by
 * `next_by_subj`. No consumer is made, so a reader needs no right to create one — a right that
 * would let it name any delivery subject (ADR 76). `null` when there is no such object or bucket
 * (or the object was deleted, or is a link, which Aether never writes).
 * @throws CorruptObjectError when chunks are missing or the digest does not match.
 */
export async function readObject(
  jsm: JetStreamManager,
  bucket: string,
  name: string,
): Promise<Uint8Array | null> {
  const stream = `OBJ_${bucket}`;
  const metaSubject = `$O.${bucket}.M.${base64UrlPadded(Buffer.from(name, 'latin1'))}`;
  const metaMessage = await directGet(jsm, stream, { last_by_subj: metaSubject }).catch((error: unknown) => {
    // No stream answers direct gets for a bucket that does not exist.
    if (error instanceof RequestError && error.isNoResponders()) return null;
    throw error;
  });
  if (!metaMessage) return null;
  const meta = metaMessage.json<ObjectMeta>();
  if (meta.deleted || meta.options?.link) return null;
  const chunkSubject = `$O.${bucket}.C.${meta.nuid}`;
  const chunks: Uint8Array[] = [];
  let from = 1;
  while (chunks.length < meta.chunks) {
    const chunk = await directGet(jsm, stream, { next_by_subj: chunkSubject, seq: from });
    if (!chunk) break;
    chunks.push(chunk.data);
    from = chunk.seq + 1;
  }
  const bytes = Buffer.concat(chunks);
  const digest = `SHA-256=${base64UrlPadded(createHash('sha256').update(bytes).digest())}`;
  if (chunks.length !== meta.chunks || bytes.length !== meta.size || digest !== meta.digest)
    throw new CorruptObjectError(
      `object ${name} in ${bucket}: ${chunks.length}/${meta.chunks} chunks, ${bytes.length}/${meta.size} bytes`,
    );
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
