import { createHash } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  FingerprintRecorded,
  MessageRegistry,
  SELECTOR_EVENTS,
  STREAMS,
  fingerprintsBucket,
  subjects,
} from '@aether/contracts';
import { EventStore, ensureStreams } from '@aether/event-store';
import { ensureFingerprintsBucket, openFingerprintsBucket } from '@aether/kv-state';
import { startNatsServer } from '@aether/testing';
import { interleaved, knob, load, ratio, say } from './measure';
import { startResponder } from './responder-process';

const TENANT = 'default';
const selectorEvents = new MessageRegistry(SELECTOR_EVENTS);

/**
 * `npm run bench:fingerprint-read`: what ADR 78's read costs a heal. A robot's lookup of one
 * selector's fingerprint in its tenant's bucket (BENCH_SELECTORS fingerprints, default 200, read in
 * turn), one at a time: by subject-suffixed direct get (`openFingerprintsBucket`, the robot since
 * ADR 78) against the previous binding (`new Kvm(nc).open(bucket)`: a `STREAM.MSG.GET` request),
 * and the path a robot under credentials actually took before ADR 78 once that request was refused:
 * the selector's events read through the services (ADR 77; the refusal's own cost not included).
 * Fingerprints of BENCH_FINGERPRINT_BYTES (default 9000; 7–12 kB with their look-alikes).
 * BENCH_ROUNDS (6) interleaved rounds of BENCH_READS (400) reads each, after BENCH_WARMUP (100).
 */
async function main() {
  const selectors = knob('BENCH_SELECTORS', 200);
  const bytes = knob('BENCH_FINGERPRINT_BYTES', 9000);
  const options = {
    rounds: knob('BENCH_ROUNDS', 6),
    reads: knob('BENCH_READS', 400),
    warmup: knob('BENCH_WARMUP', 100),
  };
  say(`load before: ${load().join(' ')}`);
  const startedAt = Date.now();
  const nats = await startNatsServer();
  const healer = await connect({ servers: nats.url, name: 'bench-healer' });
  const robot = await connect({ servers: nats.url, name: 'bench-robot' });
  const responder = await startResponder(nats.url).catch(async (error: unknown) => {
    await Promise.all([healer.close(), robot.close()]);
    await nats.stop();
    throw error;
  });
  try {
    const healerJsm = await jetstreamManager(healer);
    await ensureStreams(healerJsm);
    const keys = await seed(new EventStore(jetstream(healer), healerJsm), healer, selectors, bytes);

    const direct = await openFingerprintsBucket(robot, TENANT);
    const msgGet = await new Kvm(robot).open(fingerprintsBucket(TENANT));
    await checkRequests(healer, keys[0], direct, msgGet);
    const through = new EventStore(jetstream(robot), await jetstreamManager(robot), STREAMS.events, {
      readThrough: robot,
    });
    const fromKv = (kv: KV) => {
      let next = 0;
      return async () => {
        const key = keys[next++ % keys.length];
        const entry = await kv.get(key);
        if (entry?.json<{ selectorKey: string }>().selectorKey !== key)
          throw new Error(`no fingerprint for ${key}`);
      };
    };
    let nextEvent = 0;
    const fromEvents = async () => {
      const key = keys[nextEvent++ % keys.length];
      const history = await through.read(subjects.event(TENANT, 'selector', key), selectorEvents);
      if (history.events[0]?.event.type !== 'FingerprintRecorded')
        throw new Error(`no fingerprint for ${key}`);
    };
    const figures = await interleaved(
      [
        { name: 'direct_get', read: fromKv(direct) },
        { name: 'msg_get', read: fromKv(msgGet) },
        { name: 'events_through_services', read: fromEvents },
      ],
      options,
    );
    say(JSON.stringify(figures));
    const {
      direct_get: d,
      msg_get: m,
      events_through_services: e,
    } = figures as Record<'direct_get' | 'msg_get' | 'events_through_services', (typeof figures)[string]>;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'fingerprint-read',
        selectors,
        fingerprint_bytes: bytes,
        ...options,
        direct_get_p50_ms: d.p50_ms,
        direct_get_p99_ms: d.p99_ms,
        msg_get_p50_ms: m.p50_ms,
        msg_get_p99_ms: m.p99_ms,
        msg_get_vs_direct_p50: ratio(m.p50_ms, d.p50_ms),
        msg_get_vs_direct_p99: ratio(m.p99_ms, d.p99_ms),
        events_through_services_p50_ms: e.p50_ms,
        events_through_services_p99_ms: e.p99_ms,
        events_vs_direct_p50: ratio(e.p50_ms, d.p50_ms),
        events_vs_direct_p99: ratio(e.p99_ms, d.p99_ms),
        seconds: Math.round((Date.now() - startedAt) / 1000),
        load: load(),
      })}\n`,
    );
  } finally {
    await responder.stop();
    await Promise.all([healer.close(), robot.close()]);
    await nats.stop();
  }
}

/** Fails unless each binding's get is the request it is measured as (seen by a spy on the JetStream API). */
async function checkRequests(spyOn: NatsConnection, key: string, direct: KV, msgGet: KV): Promise<void> {
  const seen: string[] = [];
  const spy = spyOn.subscribe('$JS.API.>', {
    callback: (_error, message) => {
      seen.push(message.subject);
    },
  });
  await spyOn.flush();
  const stream = `KV_${fingerprintsBucket(TENANT)}`;
  for (const [kv, expected] of [
    [direct, `$JS.API.DIRECT.GET.${stream}.$KV.${fingerprintsBucket(TENANT)}.${key}`],
    [msgGet, `$JS.API.STREAM.MSG.GET.${stream}`],
  ] as const) {
    seen.length = 0;
    await kv.get(key);
    await spyOn.flush();
    if (seen.join() !== expected) throw new Error(`expected one ${expected}, saw ${seen.join(', ')}`);
  }
  spy.unsubscribe();
}

/**
 * What robots and the healer leave behind for `count` selectors: each one's `FingerprintRecorded`
 * on its subject, and its data in the tenant's bucket as the healer puts it.
 */
async function seed(store: EventStore, healer: NatsConnection, count: number, bytes: number) {
  const bucket = await ensureFingerprintsBucket(healer, TENANT);
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const selector = `#order-${i} button.submit`;
    const selectorKey = createHash('sha256').update(`${TENANT}/bench/${i}`).digest('hex').slice(0, 40);
    const recorded = FingerprintRecorded.create({
      tenantId: TENANT,
      aggregateId: selectorKey,
      data: {
        selectorKey,
        workflowId: 'bench-fingerprints',
        nodeId: `submit-${i}`,
        selector,
        fingerprint: fingerprintOf(selector, bytes),
        jobId: `job-${i}`,
        stepKey: `submit-${i}`,
        robotId: 'bench-robot',
      },
    });
    await store.append(subjects.event(TENANT, 'selector', selectorKey), [recorded], 0);
    await bucket.put(selectorKey, JSON.stringify(recorded.data));
    keys.push(selectorKey);
  }
  return keys;
}

/** A fingerprint shaped like `libs/healing/README.md`'s example, its look-alikes filling it to about `bytes`. */
function fingerprintOf(selector: string, bytes: number) {
  const fingerprint = {
    version: 2,
    selector,
    tag: 'button',
    type: 'submit',
    role: 'button',
    text: 'Submit order',
    parentText: 'Quantity Delivery address Submit order Cancel',
    prevText: 'Delivery address',
    nextText: 'Cancel',
    headingText: 'Your order',
    landmark: 'form',
    classes: ['btn', 'btn-primary', 'submit'],
    depth: 6,
    path: ['html', 'body', 'main', 'section', 'form', 'button'],
    nthOfType: 1,
    positions: [1, 1, 2, 1, 1, 1],
    anchors: [{ kind: 'id', tag: 'input', key: 'quantity', up: 1, down: 1, route: ['button'], before: true }],
    lookalikes: [] as { tag: string; text: string; classes: string[]; path: string[] }[],
  };
  for (let n = 0; JSON.stringify(fingerprint).length < bytes; n++)
    fingerprint.lookalikes.push({
      tag: 'button',
      text: `Submit draft ${n}`,
      classes: ['btn', 'btn-secondary'],
      path: ['html', 'body', 'main', 'section', 'form', 'div', 'button'],
    });
  return fingerprint;
}

main().catch((error: unknown) => {
  say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
