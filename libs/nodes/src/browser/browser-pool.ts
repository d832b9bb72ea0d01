import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type LaunchOptions,
  type Page,
} from 'playwright-core';
import type { EgressPolicy, Resolver } from '@aether/egress';
import type { NodeLogger } from '../contract';
import { NodeError } from '../errors';
import { sessionOf } from './browser-session';
import { EgressProxy } from './egress-proxy';
import { CHROMIUM_LAUNCH_OPTIONS } from './launch-options';

export interface BrowserPoolOptions {
  /** Default `CHROMIUM_LAUNCH_OPTIONS`. */
  readonly launchOptions?: LaunchOptions;
  /** Options of each job's fresh context. Default: downloads accepted, 1280×800 viewport. */
  readonly contextOptions?: BrowserContextOptions;
  /** Jobs holding a browser context at once; further `acquire` calls wait. Default `2`. */
  readonly maxJobs?: number;
  /** Open tabs per job; popups beyond this are closed at once. Default `4`. */
  readonly maxPagesPerJob?: number;
  /** A lease not renewed or released for this long is force-released, in ms. Default 15 minutes. */
  readonly leaseTtlMs?: number;
  /** How often expired leases are looked for, in ms. Default `5000`. */
  readonly sweepIntervalMs?: number;
  readonly log?: NodeLogger;
  /** Clock for lease expiry, in ms. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * Where pages may connect: each context's traffic, loopback included, goes through its own
   * proxy that connects only to addresses this policy allows (ADR 69). Default: no guard.
   */
  readonly egress?: EgressPolicy;
  /** How the egress guard resolves names. Default: the system resolver. */
  readonly resolve?: Resolver;
}

/** One job's hold on the browser: its own context (cookies, storage), released when the job ends. */
export interface BrowserLease {
  readonly jobId: string;
  readonly context: BrowserContext;
  /** Epoch ms after which the pool may force-release the lease. */
  readonly expiresAt: number;
  /** The job's current tab (the one `browser.switchTab` chose), opened on first use. */
  page(): Promise<Page>;
  /** Pushes `expiresAt` a full TTL from now; call it around each step. */
  renew(): void;
  /** Closes the context and frees the slot. Safe to call more than once. */
  release(): Promise<void>;
}

/** Numbers for the robot's heartbeat. */
export interface BrowserPoolUsage {
  readonly browserRunning: boolean;
  readonly leases: number;
  readonly maxJobs: number;
  readonly pages: number;
  readonly waiting: number;
  /** Browser processes started so far (more than one means relaunches after crashes). */
  readonly launches: number;
  readonly forcedReleases: number;
}

/** The job's browser context is gone (browser crashed, lease expired or released). Retryable on a fresh lease. */
export class BrowserUnavailableError extends NodeError {
  readonly code = 'BROWSER_UNAVAILABLE';
  readonly retryable = true;
}

class Lease implements BrowserLease {
  expiresAt: number;
  #ended: string | undefined;

  constructor(
    readonly jobId: string,
    readonly context: BrowserContext,
    private readonly pool: BrowserPool,
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly proxy: EgressProxy | undefined,
  ) {
    this.expiresAt = now() + ttlMs;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  async page(): Promise<Page> {
    if (this.#ended !== undefined)
      throw new BrowserUnavailableError(`The browser lease of job ${this.jobId} ${this.#ended}`);
    const session = sessionOf(this.context);
    const current = session.currentPage();
    if (current !== undefined) return current;
    try {
      session.page = await this.context.newPage();
    } catch (error) {
      throw new BrowserUnavailableError(`Cannot open a tab for job ${this.jobId}`, { cause: error });
    }
    return session.page;
  }

  renew(): void {
    this.expiresAt = this.now() + this.ttlMs;
  }

  release(): Promise<void> {
    return this.end('was released');
  }

  end(why: string): Promise<void> {
    if (this.#ended !== undefined) return Promise.resolve();
    this.#ended = why;
    this.pool.forget(this);
    return this.context
      .close()
      .catch(() => undefined)
      .then(() => this.proxy?.close());
  }
}

/**
 * One Chromium process shared by the robot's jobs, a fresh context per job. Relaunches the
 * browser on the next `acquire` after it crashed; leases of the crashed browser end.
 */
export class BrowserPool {
  readonly #leases = new Map<string, Lease>();
  readonly #pending = new Map<string, Promise<Lease>>();
  readonly #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  readonly #options: Required<Omit<BrowserPoolOptions, 'log' | 'egress' | 'resolve'>> &
    Pick<BrowserPoolOptions, 'log' | 'egress' | 'resolve'>;
  readonly #sweeper: NodeJS.Timeout;
  #browser: Browser | undefined;
  #launching: Promise<Browser> | undefined;
  #slots = 0;
  #launches = 0;
  #forcedReleases = 0;
  #closed = false;

  constructor(options: BrowserPoolOptions = {}) {
    this.#options = {
      launchOptions: options.launchOptions ?? CHROMIUM_LAUNCH_OPTIONS,
      contextOptions: options.contextOptions ?? {
        acceptDownloads: true,
        viewport: { width: 1280, height: 800 },
      },
      maxJobs: options.maxJobs ?? 2,
      maxPagesPerJob: options.maxPagesPerJob ?? 4,
      leaseTtlMs: options.leaseTtlMs ?? 15 * 60_000,
      sweepIntervalMs: options.sweepIntervalMs ?? 5000,
      now: options.now ?? Date.now,
      log: options.log,
      egress: options.egress,
      resolve: options.resolve,
    };
    this.#sweeper = setInterval(() => void this.releaseExpired(), this.#options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** The job's lease: the existing one (renewed) or a new context, waiting for a free slot first. */
  async acquire(jobId: string, options: { signal?: AbortSignal } = {}): Promise<BrowserLease> {
    if (this.#closed) throw new BrowserUnavailableError('The browser pool is closed');
    const existing = this.#leases.get(jobId);
    if (existing !== undefined) {
      existing.renew();
      return existing;
    }
    const pending = this.#pending.get(jobId);
    if (pending !== undefined) return pending;
    const creating = this.create(jobId, options.signal).finally(() => this.#pending.delete(jobId));
    this.#pending.set(jobId, creating);
    return creating;
  }

  /** Force-releases every lease past its expiry; the sweeper calls this on its interval. */
  async releaseExpired(): Promise<number> {
    const now = this.#options.now();
    const expired = [...this.#leases.values()].filter((lease) => lease.expiresAt <= now);
    for (const lease of expired) {
      this.#forcedReleases++;
      this.#options.log?.warn('browser lease expired; force-releasing it', { jobId: lease.jobId });
      await lease.end('expired and was force-released');
    }
    return expired.length;
  }

  usage(): BrowserPoolUsage {
    const leases = [...this.#leases.values()];
    return {
      browserRunning: this.#browser?.isConnected() ?? false,
      leases: leases.length,
      maxJobs: this.#options.maxJobs,
      pages: leases.reduce((sum, lease) => sum + lease.context.pages().length, 0),
      waiting: this.#waiters.length,
      launches: this.#launches,
      forcedReleases: this.#forcedReleases,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const waiter of this.#waiters.splice(0))
      waiter.reject(new BrowserUnavailableError('The browser pool is closed'));
    await Promise.allSettled(this.#pending.values());
    await Promise.all([...this.#leases.values()].map((lease) => lease.end('ended: the pool closed')));
    const browser = this.#browser ?? (await this.#launching?.catch(() => undefined));
    this.#browser = undefined;
    await browser?.close().catch(() => undefined);
  }

  /** @internal Called by a lease when it ends. */
  forget(lease: Lease): void {
    if (this.#leases.get(lease.jobId) !== lease) return;
    this.#leases.delete(lease.jobId);
    this.freeSlot();
  }

  private async create(jobId: string, signal: AbortSignal | undefined): Promise<Lease> {
    await this.takeSlot(signal);
    let proxy: EgressProxy | undefined;
    try {
      const browser = await this.browser();
      const { egress, resolve } = this.#options;
      const guarded: { context?: BrowserContext } = {};
      const onRefused = (reason: string) => {
        if (guarded.context === undefined) return;
        const session = sessionOf(guarded.context);
        session.egressRefusals++;
        session.lastEgressRefusal = reason;
      };
      proxy = egress
        ? await EgressProxy.start(egress, { ...(resolve ? { resolve } : {}), onRefused })
        : undefined;
      const context = await browser.newContext({
        ...this.#options.contextOptions,
        ...(proxy ? { proxy: { server: proxy.url, bypass: '<-loopback>' } } : {}),
      });
      guarded.context = context;
      if (this.#closed) {
        await context.close();
        throw new BrowserUnavailableError('The browser pool is closed');
      }
      context.on('page', (page) => {
        if (context.pages().length <= this.#options.maxPagesPerJob) return;
        this.#options.log?.warn('job opened too many tabs; closing the newest', {
          jobId,
          max: this.#options.maxPagesPerJob,
        });
        void page.close().catch(() => undefined);
      });
      const lease = new Lease(jobId, context, this, this.#options.leaseTtlMs, this.#options.now, proxy);
      this.#leases.set(jobId, lease);
      return lease;
    } catch (error) {
      this.freeSlot();
      await proxy?.close();
      if (error instanceof NodeError) throw error;
      throw new BrowserUnavailableError(`Cannot open a browser context for job ${jobId}`, { cause: error });
    }
  }

  private takeSlot(signal: AbortSignal | undefined): Promise<void> {
    if (this.#slots < this.#options.maxJobs) {
      this.#slots++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(
          new BrowserUnavailableError('Gave up waiting for a free browser slot', { cause: signal?.reason }),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  private freeSlot(): void {
    // The slot passes straight to the next waiter, so the count stays.
    const next = this.#waiters.shift();
    if (next !== undefined) next.resolve();
    else this.#slots--;
  }

  private browser(): Promise<Browser> {
    if (this.#browser?.isConnected()) return Promise.resolve(this.#browser);
    this.#launching ??= chromium
      .launch(this.#options.launchOptions)
      .then((browser) => {
        this.#launches++;
        this.#browser = browser;
        browser.on('disconnected', () => this.onDisconnected(browser));
        return browser;
      })
      .finally(() => {
        this.#launching = undefined;
      });
    return this.#launching;
  }

  private onDisconnected(browser: Browser): void {
    if (this.#browser === browser) this.#browser = undefined;
    if (this.#closed) return;
    const orphaned = [...this.#leases.values()].filter((lease) => lease.context.browser() === browser);
    if (orphaned.length > 0)
      this.#options.log?.warn('browser disconnected; ending its leases', {
        jobs: orphaned.map((l) => l.jobId),
      });
    for (const lease of orphaned) void lease.end('ended: the browser crashed');
  }
}
