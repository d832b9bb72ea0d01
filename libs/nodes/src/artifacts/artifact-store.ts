/**
 * Where large step outputs go (screenshots, downloads, DOM snapshots): events carry only
 * the reference.
 */
export interface ArtifactStore {
  /**
   * Stores `bytes` under `name` (replacing an artifact of the same name) and returns its
   * reference. `kind` is e.g. `screenshot`, `download`, `dom`.
   */
  put(kind: string, name: string, bytes: Uint8Array): Promise<string>;
  /** The bytes behind a reference `put` returned; rejects with `ArtifactNotFoundError` for unknown ones. */
  get(ref: string): Promise<Uint8Array>;
}

export class ArtifactNotFoundError extends Error {
  constructor(readonly ref: string) {
    super(`No artifact behind "${ref}"`);
    this.name = 'ArtifactNotFoundError';
  }
}

/** An `ArtifactStore` in process memory, for tests and local runs. References look like `mem://<name>`. */
export class InMemoryArtifacts implements ArtifactStore {
  readonly #items = new Map<string, { kind: string; bytes: Uint8Array }>();

  async put(kind: string, name: string, bytes: Uint8Array): Promise<string> {
    const ref = `mem://${name}`;
    this.#items.set(ref, { kind, bytes: Uint8Array.from(bytes) });
    return ref;
  }

  async get(ref: string): Promise<Uint8Array> {
    const item = this.#items.get(ref);
    if (item === undefined) throw new ArtifactNotFoundError(ref);
    return Uint8Array.from(item.bytes);
  }

  /** Kind of each stored reference, for assertions. */
  list(): { ref: string; kind: string; size: number }[] {
    return [...this.#items].map(([ref, { kind, bytes }]) => ({ ref, kind, size: bytes.length }));
  }
}
