// ADR 126 on a real Chromium (/usr/bin/chromium) and a real nats-server: a fingerprint recorded in
// an older format is recorded again the next time its selector works, and the next heal uses it.
// The page is heal.spec's article whose link was deleted and copied under another section: the
// version 1 fingerprint (no context) heals to the copy, today's refuses it.
import {
  FingerprintRecorded,
  SelectorHealed,
  StepResolved,
  MessageRegistry,
  SELECTOR_EVENTS,
  subjects,
  type MessageOf,
  type SelectorEvent,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { FINGERPRINT_VERSION, captureFingerprint, parseFingerprint } from '@aether/healing';
import { ensureFingerprintsBucket } from '@aether/kv-state';
import { HealApprovalNeededError } from '@aether/nodes';
import { createLogger } from '@aether/service-kit';
import { parseWorkflow, type PlannedStep } from '@aether/workflow';
import { chromium, type Browser, type Page } from 'playwright-core';
import { StepHealing, fingerprintBucket, selectorKey, type StepHealingScope } from './step-healing';

jest.setTimeout(120_000);

const TENANT = 't-rerecord';
const SELECTOR = 'span > a.js_link';
const selectorEvents = new MessageRegistry<SelectorEvent>(SELECTOR_EVENTS);

const ARTICLE = `<!doctype html><html><body><header><a href="/" class="brand">Kotaku</a></header>
<main><article><h1>The Story of Metroid</h1><div class="body">
  <h2>Part One: The Wars in Heaven</h2><p>The Chozo were an ancient race.</p>
  <h2>Part Two: The End of the Renaissance</h2>
  <h3>The War of Bryyo</h3><p>A lost war (<span><a href="/art/sesakath" class="js_link">Artist: Sesakath</a></span>) on a far world.</p>
  <h3>Referencing</h3><p>Sources and scans.</p>
  <h2>Notes on Speculation and Lore</h2><p>Some Chozo could see the future.</p><ul class="notes"><li>Lore is canon.</li></ul>
</div></article></main></body></html>`;
const artist = '<a href="/art/sesakath" class="js_link">Artist: Sesakath</a>';
/** The link moved within its own block, before the list of the next section: a heal (ADR 109). */
const moved = ARTICLE.replace(artist, '').replace('<ul class="notes">', `${artist}<ul class="notes">`);
/** The link was deleted and a copy of it sits in the list under another section. */
const copied = ARTICLE.replace(artist, '').replace('<ul class="notes">', `<ul class="notes">${artist}`);

const workflow = (() => {
  const parsed = parseWorkflow({
    id: 'lore',
    nodes: [{ id: 'artist', type: 'browser.click', params: { selector: SELECTOR, healing: 'heal' } }],
  });
  if (!parsed.ok) throw new Error('test workflow is invalid');
  return parsed.workflow;
})();

describe('StepHealing records a fingerprint of an older format again (ADR 126; Chromium, nats-server)', () => {
  let nats: TestJetStream;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    nats = await startJetStream('step-healing-rerecord');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await nats?.close();
  });

  /** A robot with an empty cache, reading the tenant's bucket (ADR 78) like the real one. */
  const robot = (robotId: string, store: EventStore = nats.store) =>
    new StepHealing({
      store,
      fingerprints: fingerprintBucket(nats.nc),
      robotId,
      logger: createLogger('step-healing-rerecord', 'silent'),
    });

  const scope = (workflowId: string, jobId: string): StepHealingScope => {
    const step: PlannedStep = {
      key: 'artist',
      nodeId: 'artist',
      type: 'browser.click',
      params: { selector: SELECTOR, healing: 'heal' },
      timeoutMs: 30_000,
      idempotent: false,
      previousAttempts: 0,
    };
    return {
      tenantId: TENANT,
      jobId,
      workflow,
      workflowId,
      workflowVersion: 1,
      step,
      recordHeal: async () => undefined,
      causedBy: { id: `cause-${jobId}`, correlationId: jobId },
      storeArtifact: async (kind, name) => `${kind}/${name}`,
    };
  };
  const keyOf = (workflowId: string) => selectorKey(TENANT, workflowId, 'artist', SELECTOR);
  const subjectOf = (workflowId: string) => subjects.event(TENANT, 'selector', keyOf(workflowId));
  const records = async (workflowId: string) =>
    (await nats.store.read(subjectOf(workflowId), selectorEvents)).events.flatMap(({ event }) =>
      event.type === 'FingerprintRecorded' ? [event] : [],
    );

  /** What a robot of before ADR 47 left: a version 1 record, projected into the bucket by the healer. */
  const recordedInVersion1 = async (workflowId: string): Promise<void> => {
    await page.setContent(ARTICLE);
    const { context: _context, ...today } = await captureFingerprint(page.mainFrame(), SELECTOR);
    const event = FingerprintRecorded.create({
      tenantId: TENANT,
      aggregateId: keyOf(workflowId),
      data: {
        selectorKey: keyOf(workflowId),
        workflowId,
        nodeId: 'artist',
        selector: SELECTOR,
        fingerprint: { ...today, version: 1 } as unknown as Record<string, never>,
        jobId: 'job-2025',
        stepKey: 'artist',
        robotId: 'robot-2025',
      },
    });
    await nats.store.append(subjectOf(workflowId), [event], 0);
    const bucket = await ensureFingerprintsBucket(nats.nc, TENANT);
    await bucket.put(keyOf(workflowId), JSON.stringify(event.data));
  };

  /** The step ran on the recording page and its selector worked. */
  const works = async (healing: StepHealing, workflowId: string, jobId: string): Promise<void> => {
    await page.setContent(ARTICLE);
    await healing.hooksFor(scope(workflowId, jobId)).recordTarget!({
      selector: SELECTOR,
      frame: page.mainFrame(),
    });
  };
  /** The step ran on the changed page: its selector matched nothing. */
  const heals = async (healing: StepHealing, workflowId: string, jobId: string) => {
    await page.setContent(copied);
    return healing.hooksFor(scope(workflowId, jobId)).heal!({
      selector: SELECTOR,
      frame: page.mainFrame(),
      problem: 'not-found',
      matchCount: 0,
      policy: 'heal',
    });
  };

  it('records a version 1 fingerprint again when the step works, and the next heal refuses the copy with it', async () => {
    await recordedInVersion1('lore-1');
    // Before: the version 1 fingerprint, without context, takes the copy.
    await expect(heals(robot('robot-a'), 'lore-1', 'job-0')).resolves.toMatchObject({
      status: 'healed',
      selector: 'a[href="/art/sesakath"]',
    });

    const working = robot('robot-b');
    await works(working, 'lore-1', 'job-1');
    const [first, again, ...more] = await records('lore-1');
    expect(more).toEqual([]);
    expect(first?.data.fingerprint['version']).toBe(1);
    expect(again?.data).toMatchObject({ robotId: 'robot-b', jobId: 'job-1', replaces: 1 });
    const fingerprint = parseFingerprint(again?.data.fingerprint);
    expect(again?.data.fingerprint['version']).toBe(FINGERPRINT_VERSION);
    expect(fingerprint.context?.headings).toEqual(
      expect.arrayContaining(['Part Two: The End of the Renaissance']),
    );

    // Working again costs nothing: no record, here or on a robot that reads the new one first.
    await works(working, 'lore-1', 'job-2');
    expect(await records('lore-1')).toHaveLength(2);

    // The next heal, by this robot or one that has the version 1 fingerprint in the bucket still
    // (the healer has not projected the new record yet), refuses the copy.
    await expect(heals(working, 'lore-1', 'job-3')).resolves.toMatchObject({ status: 'refused' });
    const fresh = robot('robot-c');
    await works(fresh, 'lore-1', 'job-4');
    expect(await records('lore-1')).toHaveLength(2);
    await expect(heals(fresh, 'lore-1', 'job-5')).resolves.toMatchObject({ status: 'refused' });
    // A robot that only heals reads the events past the bucket's older fingerprint.
    await expect(heals(robot('robot-f'), 'lore-1', 'job-6')).resolves.toMatchObject({ status: 'refused' });
  });

  it('records once when two robots find the version 1 fingerprint at the same time; both keep that one', async () => {
    await recordedInVersion1('lore-2');
    // Each robot's appends are counted: both try, one is recorded.
    let appends = 0;
    const counted = {
      read: nats.store.read.bind(nats.store),
      lastSequence: nats.store.lastSequence.bind(nats.store),
      append: (...args: Parameters<EventStore['append']>) => (appends++, nats.store.append(...args)),
    } as unknown as EventStore;
    const [one, two] = [robot('robot-d', counted), robot('robot-e', counted)];
    // Both read the subject before either appends: one append wins, the other is fenced.
    await page.setContent(ARTICLE);
    await Promise.all(
      [one, two].map((healing, i) =>
        healing.hooksFor(scope('lore-2', `job-race-${i}`)).recordTarget!({
          selector: SELECTOR,
          frame: page.mainFrame(),
        }),
      ),
    );
    expect(appends).toBe(2);
    const recorded = await records('lore-2');
    expect(recorded.map((event) => event.data.fingerprint['version'])).toEqual([1, FINGERPRINT_VERSION]);
    await expect(heals(one, 'lore-2', 'job-race-2')).resolves.toMatchObject({ status: 'refused' });
    await expect(heals(two, 'lore-2', 'job-race-3')).resolves.toMatchObject({ status: 'refused' });
  });

  it('after the deploy, a fleet that finds every selector older records each once; running again costs nothing', async () => {
    const [ROBOTS, SELECTORS] = [4, 3];
    const workflowIds = Array.from({ length: SELECTORS }, (_, i) => `lore-fleet-${i}`);
    for (const workflowId of workflowIds) await recordedInVersion1(workflowId);
    const cost = { bucketReads: 0, subjectReads: 0, appends: 0 };
    const buckets = fingerprintBucket(nats.nc);
    const counted = {
      read: (...args: Parameters<EventStore['read']>) => (cost.subjectReads++, nats.store.read(...args)),
      lastSequence: nats.store.lastSequence.bind(nats.store),
      append: (...args: Parameters<EventStore['append']>) => (cost.appends++, nats.store.append(...args)),
    } as unknown as EventStore;
    // Robots restarted with the deploy: empty caches, the bucket holding version 1 until the healer projects.
    const fleet = Array.from(
      { length: ROBOTS },
      (_, i) =>
        new StepHealing({
          store: counted,
          fingerprints: (tenantId) => (cost.bucketReads++, buckets(tenantId)),
          robotId: `robot-fleet-${i}`,
          logger: createLogger('step-healing-rerecord', 'silent'),
        }),
    );
    const everyoneWorks = (round: number) =>
      Promise.all(
        fleet.flatMap((healing, r) =>
          workflowIds.map((workflowId) =>
            healing.hooksFor(scope(workflowId, `job-fleet-${round}-${r}`)).recordTarget!({
              selector: SELECTOR,
              frame: page.mainFrame(),
            }),
          ),
        ),
      );

    await page.setContent(ARTICLE);
    await everyoneWorks(1);
    const first = { ...cost };
    for (const workflowId of workflowIds)
      expect((await records(workflowId)).map((event) => event.data.fingerprint['version'])).toEqual([
        1,
        FINGERPRINT_VERSION,
      ]);
    // One bucket read per robot and selector; appends tried by those that read before the first landed.
    expect(first.bucketReads).toBe(ROBOTS * SELECTORS);
    expect(first.appends).toBeGreaterThanOrEqual(SELECTORS);
    expect(first.appends).toBeLessThanOrEqual(ROBOTS * SELECTORS);
    // A fenced robot reads the subject once more and keeps the winner's record.
    expect(first.subjectReads).toBe(ROBOTS * SELECTORS + (first.appends - SELECTORS));

    await everyoneWorks(2);
    expect(cost).toEqual(first);
  });

  it('reads the bucket once per selector on a robot whose bucket holds a current fingerprint', async () => {
    await works(robot('robot-h'), 'lore-4', 'job-b0');
    const [current] = await records('lore-4');
    if (!current) throw new Error('nothing recorded');
    const bucket = await ensureFingerprintsBucket(nats.nc, TENANT);
    await bucket.put(keyOf('lore-4'), JSON.stringify(current.data));
    let opened = 0;
    const buckets = fingerprintBucket(nats.nc);
    const healing = new StepHealing({
      store: nats.store,
      fingerprints: (tenantId) => (opened++, buckets(tenantId)),
      robotId: 'robot-i',
      logger: createLogger('step-healing-rerecord', 'silent'),
    });
    for (const job of ['job-b1', 'job-b2', 'job-b3']) await works(healing, 'lore-4', job);
    expect({ opened, records: (await records('lore-4')).length }).toEqual({ opened: 1, records: 1 });
  });

  it('gives the healed selector its own fingerprint when an operator approves the heal (heal-and-pause)', async () => {
    const healing = robot('robot-g');
    await works(healing, 'lore-3', 'job-p0');
    const proposed: MessageOf<typeof SelectorHealed>['data'][] = [];
    const paused: StepHealingScope = {
      ...scope('lore-3', 'job-p1'),
      recordHeal: async (data) => void proposed.push(data),
    };
    const ask = async () => {
      await page.setContent(moved);
      return healing.hooksFor(paused).heal!({
        selector: SELECTOR,
        frame: page.mainFrame(),
        problem: 'not-found',
        matchCount: 0,
        policy: 'heal-and-pause',
      });
    };
    await expect(ask()).rejects.toThrow(HealApprovalNeededError);
    const [proposal] = proposed;
    if (!proposal) throw new Error('no heal proposed');
    expect(proposal.applied).toBe(false);
    const healedSubject = subjects.event(
      TENANT,
      'selector',
      selectorKey(TENANT, 'lore-3', 'artist', proposal.healedSelector),
    );
    expect(await nats.store.lastSequence(healedSubject)).toBe(0);

    // The job's decider committed the proposal; the operator's retry-step approves it.
    await nats.store.append(
      subjects.event(TENANT, 'job', 'job-p1'),
      [
        SelectorHealed.create({ tenantId: TENANT, aggregateId: 'job-p1', data: proposal }),
        StepResolved.create({
          tenantId: TENANT,
          aggregateId: 'job-p1',
          data: { stepKey: 'artist', action: 'retry' },
        }),
      ],
      'any',
    );
    await expect(ask()).resolves.toEqual({ status: 'healed', selector: proposal.healedSelector });
    const recorded = (await nats.store.read(healedSubject, selectorEvents)).events.map(({ event }) => event);
    expect(recorded).toMatchObject([
      { type: 'FingerprintRecorded', data: { selector: proposal.healedSelector, jobId: 'job-p1' } },
    ]);

    // The workflow patched with the proposal: its selector works on the next run and is known already.
    await healing.hooksFor(scope('lore-3', 'job-p2')).recordTarget!({
      selector: proposal.healedSelector,
      frame: page.mainFrame(),
    });
    expect(await nats.store.read(healedSubject, selectorEvents)).toMatchObject({ events: [{}] });
  });
});
