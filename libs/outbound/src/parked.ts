import type { KV } from '@nats-io/kv';
import { ParkedDeliverySchema, type ParkedDelivery } from '@aether/contracts';
import { listKeys } from '@aether/kv-state';

const deliveryKey = (subscriptionId: string, sequence: number) => `delivery.${subscriptionId}.${sequence}`;
const jobKey = (subscriptionId: string, jobId: string) => `job.${subscriptionId}.${jobId}`;

/**
 * Deliveries that kept failing, kept until a redelivery covers them (never dropped), and per job
 * the first parked sequence, so a job's later messages wait behind it instead of overtaking it.
 */
export class ParkedDeliveries {
  constructor(private readonly kv: KV) {}

  /** Idempotent: parking the same message again (after a crash before its ack) changes nothing. */
  async park(delivery: ParkedDelivery): Promise<void> {
    await this.kv.put(deliveryKey(delivery.subscriptionId, delivery.sequence), JSON.stringify(delivery));
    const key = jobKey(delivery.subscriptionId, delivery.jobId);
    const first = await this.firstOfJob(delivery.subscriptionId, delivery.jobId);
    if (first === undefined || delivery.sequence < first) await this.kv.put(key, String(delivery.sequence));
  }

  /** The first parked sequence of a job, which its later messages must wait behind. */
  async firstOfJob(subscriptionId: string, jobId: string): Promise<number | undefined> {
    const entry = await this.kv.get(jobKey(subscriptionId, jobId));
    return entry?.operation === 'PUT' ? Number(entry.string()) : undefined;
  }

  async list(subscriptionId: string): Promise<ParkedDelivery[]> {
    const found: ParkedDelivery[] = [];
    for (const key of await listKeys(this.kv, `delivery.${subscriptionId}.*`)) {
      const entry = await this.kv.get(key);
      const parsed = entry?.operation === 'PUT' ? ParkedDeliverySchema.safeParse(entry.json()) : undefined;
      if (parsed?.success) found.push(parsed.data);
    }
    return found.sort((a, b) => a.sequence - b.sequence);
  }

  /**
   * Forgets the parked deliveries a redelivery will send again (`released`) and rebuilds the job
   * markers from those that stay parked.
   */
  async release(subscriptionId: string, released: (delivery: ParkedDelivery) => boolean): Promise<void> {
    const kept = new Map<string, number>();
    for (const delivery of await this.list(subscriptionId)) {
      if (released(delivery)) await this.kv.purge(deliveryKey(subscriptionId, delivery.sequence));
      else kept.set(delivery.jobId, Math.min(kept.get(delivery.jobId) ?? Infinity, delivery.sequence));
    }
    // Listed before the writes below change the keys listed; purged markers are listed too.
    for (const key of await listKeys(this.kv, `job.${subscriptionId}.*`)) {
      const first = kept.get(key.slice(`job.${subscriptionId}.`.length));
      const entry = await this.kv.get(key);
      const current = entry?.operation === 'PUT' ? entry.string() : undefined;
      if (first === undefined) {
        if (current !== undefined) await this.kv.purge(key);
      } else if (current !== String(first)) await this.kv.put(key, String(first));
    }
  }
}
