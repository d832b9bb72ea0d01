import type { KV } from '@nats-io/kv';
import { FingerprintRecorded, subjects } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { InMemoryEventStore } from '@aether/event-store/test-support';
import { FINGERPRINT_VERSION, fingerprintFromHtml } from '@aether/healing';
import { SelectorKnowledge } from './selector-knowledge';

const KEY = 'k'.repeat(40);
const SUBJECT = subjects.event('t1', 'selector', KEY);
const html = '<main><form id="find"><input id="q" name="q"><button>Go</button></form></main>';

/** A record of the button's fingerprint in format `version` (without `context`, as version 1 had none). */
function recorded(version: number, robotId: string) {
  const { context: _context, ...fingerprint } = fingerprintFromHtml(html, 'button');
  return FingerprintRecorded.create({
    tenantId: 't1',
    aggregateId: KEY,
    data: {
      selectorKey: KEY,
      workflowId: 'wf',
      nodeId: 'go',
      selector: 'button',
      fingerprint: { ...fingerprint, version } as unknown as Record<string, never>,
      jobId: `job-${robotId}`,
      stepKey: 'go',
      robotId,
    },
  });
}

describe('SelectorKnowledge puts a selector’s newest fingerprint into its tenant’s bucket (ADR 126)', () => {
  it('keeps the newest record in the bucket when an older one is handled after it (a redelivery)', async () => {
    const store = new InMemoryEventStore();
    const bucket = new Map<string, string>();
    const kv = { put: async (key: string, value: string) => (bucket.set(key, value), 1) } as unknown as KV;
    const knowledge = new SelectorKnowledge(store as unknown as EventStore, async () => kv);
    const first = recorded(1, 'robot-old');
    const again = recorded(FINGERPRINT_VERSION, 'robot-new');
    await store.append(SUBJECT, [first], 0);
    await knowledge.handle(first);
    expect(JSON.parse(bucket.get(KEY)!)).toMatchObject({ robotId: 'robot-old' });

    await store.append(SUBJECT, [again], 'any');
    await knowledge.handle(again);
    await knowledge.handle(first);
    expect(JSON.parse(bucket.get(KEY)!)).toMatchObject({
      robotId: 'robot-new',
      fingerprint: { version: FINGERPRINT_VERSION },
    });
    // Rated once, from the first record.
    const rated = (await store.read(SUBJECT)).events.filter((e) => e.event.type === 'SelectorFragilityRated');
    expect(rated).toHaveLength(1);
  });
});
