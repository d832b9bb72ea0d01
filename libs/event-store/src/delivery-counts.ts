/** How many messages a `DeliveryCounts` remembers before it forgets the longest unseen. */
const REMEMBERED = 4_096;

/** What `DeliveryCounts` says when it counts a delivery as one more than the server does (a logger's `warn`). */
export type RecountWarning = (
  fields: { readonly seq: number; readonly key: string; readonly delivery: number; readonly counted: number },
  message: string,
) => void;

/**
 * Counts the deliveries of each message a consumer's own code has taken, by stream sequence
 * (ADR 117). nats-server 2.9.10 can deliver a message again with a count no higher than one it
 * sent before: a redelivery that falls due as the only waiting pull expires is counted, not sent,
 * and the message comes again as delivery 1 (nats-server#3942, fixed in 2.9.15); a server killed
 * before it wrote a delivery down sends it again with the count it had (ADR 103). Such a delivery
 * is counted here as one more than the highest this consumer took, so a message past its limit
 * is not run again as a first delivery. Kept in memory: a restarted consumer counts as the server
 * does again, which costs at most one run per delivery the server miscounts (ADR 132).
 */
export class DeliveryCounts {
  private readonly seen = new Map<number, { readonly key: string; readonly count: number }>();

  /** @param warn told each time a delivery is counted higher than the server counts it, with both counts. */
  constructor(
    private readonly warn: RecountWarning,
    private readonly remembered = REMEMBERED,
  ) {}

  /**
   * The count of this delivery: the server's `delivered`, unless this consumer took the message
   * (the same `sequence` and `key`) with that count or a higher one already.
   *
   * @param key what the message is (its job id, its subject), so a sequence reused by a stream made
   *   again is not taken for the old message.
   */
  count(sequence: number, delivered: number, key: string): number {
    const before = this.seen.get(sequence);
    const count = before && before.key === key && before.count >= delivered ? before.count + 1 : delivered;
    this.seen.delete(sequence); // re-inserted last: the map forgets in insertion order
    this.seen.set(sequence, { key, count });
    if (this.seen.size > this.remembered) this.seen.delete(this.seen.keys().next().value as number);
    if (count !== delivered)
      this.warn(
        { seq: sequence, key, delivery: count, counted: delivered },
        'the server counts this delivery lower than one taken before; counted as one more (ADR 117)',
      );
    return count;
  }
}
