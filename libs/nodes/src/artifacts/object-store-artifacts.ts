import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { artifactsBucket, type TenantId } from '@aether/contracts';
import { artifactRef, ensureArtifactsBucket, parseArtifactRef, readObject } from '@aether/kv-state';
import { ArtifactNotFoundError, type ArtifactStore } from './artifact-store';

export interface ObjectStoreArtifactsOptions {
  /** The tenant whose artifacts these are: its own bucket, `aether-artifacts-<tenant>` (ADR 76). */
  readonly tenantId: TenantId;
  /** How long artifacts are kept, in ms. Default: 30 days. `0` keeps them until deleted. */
  readonly ttlMs?: number;
  /** Stream replicas of the bucket. Default `1`. */
  readonly replicas?: number;
  /**
   * Create the bucket when it is missing (default). A robot under its own credentials may not:
   * it opens the bucket its enrolment made (ADR 39, 76).
   */
  readonly create?: boolean;
}

/**
 * One tenant's artifacts in its JetStream Object Store bucket; references look like
 * `obj://aether-artifacts-<tenant>/<name>`. The kind travels as object metadata. Reads use direct
 * gets only, so a robot needs no right to create consumers (ADR 76).
 */
export class ObjectStoreArtifacts implements ArtifactStore {
  private constructor(
    private readonly store: ObjectStore,
    private readonly jsm: JetStreamManager,
    /** The bucket's name. */
    readonly bucket: string,
  ) {}

  /** Opens the tenant's bucket, creating it with these options if it does not exist yet. */
  static async open(nc: NatsConnection, options: ObjectStoreArtifactsOptions): Promise<ObjectStoreArtifacts> {
    const bucket = artifactsBucket(options.tenantId);
    const store =
      options.create === false
        ? await new Objm(nc).open(bucket)
        : await ensureArtifactsBucket(nc, options.tenantId, {
            ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
            replicas: options.replicas ?? 1,
          });
    return new ObjectStoreArtifacts(store, await jetstreamManager(nc), bucket);
  }

  async put(kind: string, name: string, bytes: Uint8Array): Promise<string> {
    await this.store.putBlob({ name, metadata: { kind } }, bytes);
    return artifactRef(this.bucket, name);
  }

  /** Only this tenant's references are read: any other bucket's is not found, whoever asks. */
  async get(ref: string): Promise<Uint8Array> {
    const parsed = parseArtifactRef(ref);
    if (parsed?.bucket !== this.bucket) throw new ArtifactNotFoundError(ref);
    const bytes = await readObject(this.jsm, parsed.bucket, parsed.name);
    if (bytes === null) throw new ArtifactNotFoundError(ref);
    return bytes;
  }
}
