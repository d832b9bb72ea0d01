import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { OBJECT_BUCKETS } from '@aether/contracts';
import { ArtifactNotFoundError, type ArtifactStore } from './artifact-store';

export const ARTIFACTS_BUCKET = OBJECT_BUCKETS.artifacts;
const REF_PREFIX = `obj://${ARTIFACTS_BUCKET}/`;

export interface ObjectStoreArtifactsOptions {
  /** How long artifacts are kept, in ms. Default: 30 days. `0` keeps them until deleted. */
  readonly ttlMs?: number;
  /** Stream replicas of the bucket. Default `1`. */
  readonly replicas?: number;
  /**
   * Create the bucket when it is missing (default). A robot under its own credentials may not:
   * it opens the bucket its enrolment made (ADR 38).
   */
  readonly create?: boolean;
}

/**
 * Artifacts in the JetStream Object Store bucket `aether-artifacts`; references look like
 * `obj://aether-artifacts/<name>`. The kind travels as object metadata.
 */
export class ObjectStoreArtifacts implements ArtifactStore {
  private constructor(private readonly store: ObjectStore) {}

  /** Opens the bucket, creating it with these options if it does not exist yet. */
  static async open(
    nc: NatsConnection,
    options: ObjectStoreArtifactsOptions = {},
  ): Promise<ObjectStoreArtifacts> {
    if (options.create === false) return new ObjectStoreArtifacts(await new Objm(nc).open(ARTIFACTS_BUCKET));
    const ttlMs = options.ttlMs ?? 30 * 24 * 60 * 60 * 1000;
    const store = await new Objm(nc).create(ARTIFACTS_BUCKET, {
      description: 'Aether step artifacts: screenshots, downloads, DOM snapshots',
      ttl: ttlMs * 1_000_000,
      replicas: options.replicas ?? 1,
    });
    return new ObjectStoreArtifacts(store);
  }

  async put(kind: string, name: string, bytes: Uint8Array): Promise<string> {
    await this.store.putBlob({ name, metadata: { kind } }, bytes);
    return REF_PREFIX + name;
  }

  async get(ref: string): Promise<Uint8Array> {
    if (!ref.startsWith(REF_PREFIX)) throw new ArtifactNotFoundError(ref);
    const bytes = await this.store.getBlob(ref.slice(REF_PREFIX.length));
    if (bytes === null) throw new ArtifactNotFoundError(ref);
    return bytes;
  }
}
