/**
 * Markup variant served on `/login` and `/orders/new`.
 *
 * - `v1`: the baseline robots are written against.
 * - `v2-renamed`: ids, classes, field names and button texts regenerated, plus a
 *   decoy button; a self-healing selector should still find the right element.
 * - `v3-broken`: the login submit button is gone and two look-alikes stand in its
 *   place, neither of which submits; a careful healer must refuse to guess.
 */
export type DemoVariant = 'v1' | 'v2-renamed' | 'v3-broken';

export interface DemoSiteOptions {
  /** TCP port to listen on; `0` picks a random free port. Default `0`. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Markup variant served at start. Default `v1`. */
  variant?: DemoVariant;
  /** Rows per page of the `/orders` table. Default `10`. */
  pageSize?: number;
  /**
   * The `demo` account's password. Default `demo-password`, which the sign-in page shows; any
   * other is never shown (secret-leak tests use a random one).
   */
  password?: string;
}

/** An order placed through `/orders/new`. */
export interface DemoOrder {
  id: string;
  /** `AE-` followed by 8 uppercase letters or digits, unique per site. */
  confirmationNumber: string;
  customer: string;
  email: string;
  /** One of `widget`, `gadget`, `gizmo`, `doohickey`. */
  product: string;
  /** Whole number from 1 to 999. */
  quantity: number;
  /** Calendar date, `YYYY-MM-DD`. */
  deliveryDate: string;
  shipping: 'standard' | 'express';
  giftWrap: boolean;
  /** Free text, possibly empty. */
  notes: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
}

/** A running demo site. All state is in memory and lost on `close()`. */
export interface DemoSite {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Stops listening and drops open connections, including pending `/slow` requests. */
  close(): Promise<void>;
  /** Switches the markup variant for every following request. */
  setVariant(variant: DemoVariant): void;
  /** Requests per key recorded by `POST /api/side-effects` (every attempt that reached the site). */
  sideEffects(): Record<string, number>;
  /**
   * Effects applied per key: a request whose `idempotencyKey` was applied before for the same key
   * is answered again without applying it; one without an idempotency key is always applied.
   */
  appliedEffects(): Record<string, number>;
  /** Orders in the order they were placed. */
  orders(): ReadonlyArray<DemoOrder>;
}
