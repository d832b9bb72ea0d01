import { KvWatchInclude, type KV, type KvEntry } from '@nats-io/kv';
import { listKeys } from './buckets';

/** One key's value as last seen, with its revision so older news never overwrites newer. */
export interface MirroredEntry<T> {
  readonly key: string;
  readonly revision: number;
  readonly value: T;
}

export type MirrorChange<T> =
  | { readonly kind: 'put'; readonly entry: MirroredEntry<T>; readonly previous?: MirroredEntry<T> }
  | { readonly kind: 'delete'; readonly key: string; readonly previous?: MirroredEntry<T> };

export interface KvMirrorOptions<T> {
  /** Validates a stored value; `undefined` rejects it (the key then reads as absent). */
  parse(value: unknown, key: string): T | undefined;
  /** Called for every change after the initial load (and for each loaded key during it). */
  onChange?(change: MirrorChange<T>): void;
  /** Called with values that failed `parse`. */
  onInvalid?(key: string, raw: string): void;
  /**
   * How often the mirror compares what it applied with the bucket's last revision, in ms; 0 turns
   * the check off. Default 5 s.
   */
  watchdogMs?: number;
  /** Called when the check found the watch stuck and the mirror watches and loads again. */
  onStuck?(position: MirrorPosition): void;
}

/** The newest revision a mirror applied, and the bucket's last revision, at one check. */
export interface MirrorPosition {
  readonly applied: number;
  readonly last: number;
}

const DEFAULT_WATCHDOG_MS = 5_000;
/**
 * A check or restart that failed (the cluster is still electing the leader that creates
 * consumers) is tried again this soon, keeping `previous`, rather than a whole period later.
 */
const RETRY_AFTER_FAILED_CHECK_MS = 1_000;

/**
 * A watch is stuck when, a whole check later, the mirror has still not applied what the bucket
 * already held at the previous check: its consumer's server died while this client's connection
 * survived, and nats.js does not recover that watch (it did not in 60 s on a 3-node cluster).
 */
export function mirrorStuck(previous: MirrorPosition | undefined, now: MirrorPosition): boolean {
  return previous !== undefined && now.applied < previous.last;
}

/**
 * A bucket's current values in memory, kept up to date by a watch. The watch starts before
 * the initial load, and every key remembers its revision, so an update racing the load is
 * never lost nor overwritten by an older value. The bucket stays the truth: a restart
 * simply loads it again.
 */
export class KvMirror<T> {
  private readonly entries = new Map<string, MirroredEntry<T>>();
  private readonly tombstones = new Map<string, number>();
  private watcher?: { stop(): void };
  /** The newest revision applied, or known to be covered by the last load. */
  private applied = 0;
  private restarting?: Promise<void>;
  private watchdog?: NodeJS.Timeout;
  private stopped = false;

  private constructor(
    readonly kv: KV,
    private readonly options: KvMirrorOptions<T>,
  ) {}

  static async start<T>(kv: KV, options: KvMirrorOptions<T>): Promise<KvMirror<T>> {
    const mirror = new KvMirror<T>(kv, options);
    await mirror.run();
    mirror.watch(options.watchdogMs ?? DEFAULT_WATCHDOG_MS);
    return mirror;
  }

  get(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  entry(key: string): MirroredEntry<T> | undefined {
    return this.entries.get(key);
  }

  values(): T[] {
    return [...this.entries.values()].map((entry) => entry.value);
  }

  all(): MirroredEntry<T>[] {
    return [...this.entries.values()];
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.watchdog);
    this.watcher?.stop();
  }

  /**
   * Watches and loads again: after a reconnect to a restarted server the old watch (an ordered
   * consumer) would only notice after its idle heartbeat. Keys gone meanwhile are dropped.
   */
  restart(): Promise<void> {
    this.restarting ??= (async () => {
      this.watcher?.stop();
      const present = await this.run();
      for (const [key, entry] of this.entries) if (!present.has(key)) this.remove(key, entry.revision + 1);
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  /** Applies an entry this process just wrote, without waiting for the watch to echo it. */
  apply(entry: KvEntry): void {
    this.applied = Math.max(this.applied, entry.revision);
    if (entry.operation === 'PUT') this.put(entry);
    else this.remove(entry.key, entry.revision);
  }

  private async run(): Promise<Set<string>> {
    const last = await this.lastRevision().catch(() => 0); // credentials that may not read stream info
    const updates = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    this.watcher = updates;
    void (async () => {
      for await (const entry of updates) this.apply(entry);
    })();
    const keys = new Set<string>();
    for (const key of await listKeys(this.kv)) keys.add(key);
    await Promise.all(
      [...keys].map(async (key) => {
        const entry = await this.kv.get(key);
        if (entry) this.apply(entry);
      }),
    );
    this.applied = Math.max(this.applied, last);
    return keys;
  }

  // A KV revision is its stream sequence.
  private async lastRevision(): Promise<number> {
    return (await this.kv.status()).streamInfo.state.last_seq;
  }

  private watch(periodMs: number): void {
    if (periodMs <= 0) return;
    let previous: MirrorPosition | undefined;
    const check = async (): Promise<void> => {
      if (this.restarting) return;
      const now = { applied: this.applied, last: await this.lastRevision() };
      if (!mirrorStuck(previous, now)) {
        previous = now;
        return;
      }
      this.options.onStuck?.(now);
      await this.restart();
      previous = undefined;
    };
    const next = (delayMs: number) => {
      if (this.stopped) return;
      this.watchdog = setTimeout(() => {
        check().then(
          () => next(periodMs),
          () => next(RETRY_AFTER_FAILED_CHECK_MS),
        );
      }, delayMs);
      this.watchdog.unref();
    };
    next(periodMs);
  }

  private put(entry: KvEntry): void {
    const previous = this.entries.get(entry.key);
    const newest = Math.max(previous?.revision ?? 0, this.tombstones.get(entry.key) ?? 0);
    if (entry.revision <= newest) return;
    let raw: unknown;
    try {
      raw = entry.json<unknown>();
    } catch {
      raw = undefined;
    }
    const value = raw === undefined ? undefined : this.options.parse(raw, entry.key);
    if (value === undefined) {
      this.options.onInvalid?.(entry.key, entry.string().slice(0, 500));
      return;
    }
    const mirrored = { key: entry.key, revision: entry.revision, value };
    this.entries.set(entry.key, mirrored);
    this.options.onChange?.({ kind: 'put', entry: mirrored, previous });
  }

  private remove(key: string, revision: number): void {
    const previous = this.entries.get(key);
    if (previous && previous.revision >= revision) return;
    this.tombstones.set(key, revision);
    this.entries.delete(key);
    if (previous) this.options.onChange?.({ kind: 'delete', key, previous });
  }
}
