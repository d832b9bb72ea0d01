import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  FingerprintRecorded,
  HealingPolicySchema,
  JOB_EVENTS,
  MessageRegistry,
  SELECTOR_EVENTS,
  SelectorHealReported,
  newestFingerprintRecorded,
  subjects,
  type Envelope,
  type SelectorHealed,
  type HealingPolicy,
  type JobEvent,
  type MessageOf,
  type SelectorEvent,
  type TenantId,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import {
  captureFingerprint,
  healOnPage,
  parseFingerprint,
  recordedInOlderFormat,
  type Fingerprint,
  type HealedResult,
  type ReadText,
  type RefusedResult,
  type VisualOptions,
} from '@aether/healing';
import { openFingerprintsBucket } from '@aether/kv-state';
import type { OcrEngine } from '@aether/ocr';
import { HealApprovalNeededError, type HealOutcome, type HealRequest, type NodeContext } from '@aether/nodes';
import type { Logger } from '@aether/service-kit';
import { annotateActiveSpan } from '@aether/telemetry';
import type { PlannedStep, Workflow } from '@aether/workflow';
import type { Frame } from 'playwright-core';

type HealData = MessageOf<typeof SelectorHealed>['data'];
const selectorEvents = new MessageRegistry<SelectorEvent>(SELECTOR_EVENTS);
const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
/** Pixels of context kept around the healed element in its screenshot crop. */
const CROP_PADDING = 24;
/** Appends of a fingerprint tried while heal reports keep moving the selector's subject. */
const RECORD_ATTEMPTS = 3;

/** A selector's newest fingerprint as stored, and whether it is of an older format (ADR 126). */
interface Known {
  readonly document: unknown;
  readonly older: boolean;
}

function knownOf(document: unknown): Known {
  return { document, older: recordedInOlderFormat(document) };
}

/** `replaces`: the format version of the record a new one replaces. */
function replacing(document: unknown): { replaces?: number } {
  const version = (document as { version?: unknown } | null | undefined)?.version;
  return typeof version === 'number' ? { replaces: version } : {};
}

export interface StepHealingOptions {
  store: EventStore;
  /**
   * The tenant's fingerprints bucket the healer keeps (ADR 78); `undefined` while it does not exist
   * yet (the events are read instead).
   */
  fingerprints(tenantId: TenantId): Promise<KV | undefined>;
  robotId: string;
  logger: Logger;
  /** Wall-clock budget of one heal's tiers 1–2 in milliseconds (`HEAL_BUDGET_MS`). Default 2,000. */
  budgetMs?: number;
  /** Tier 3 on the live page: screenshots of the candidates, OCR of drawn text. Absent: off. */
  visual?: VisualTier;
}

/** How the robot runs tier 3 (ADR 75). */
export interface VisualTier {
  /** Tier 3's wall-clock budget in one heal, for the candidates' screenshots and OCR, after tiers 1–2's. */
  readonly budgetMs: number;
  /** Reads drawn text (sparse); without it tier 3 compares crops and boxes only. */
  readonly ocr?: HealingOcr;
  /**
   * How long a fingerprint capture or a heal that needs OCR waits for its worker to start (once
   * per robot, seconds). Not counted in `budgetMs`; past it that capture or heal goes without OCR.
   */
  readonly ocrStartMs: number;
}

/** The OCR tier 3 uses: started ahead of the calls that must be quick. */
export interface HealingOcr {
  start(): Promise<void>;
  read(png: Uint8Array): Promise<string>;
}

/** Tier 3's OCR from an `@aether/ocr` engine: sparse text (PSM 11), a crop holds a few words, not a page. */
export function sparseTextOcr(engine: Pick<OcrEngine, 'start' | 'recognize'>): HealingOcr {
  return {
    start: () => engine.start(),
    read: async (png) =>
      (await engine.recognize(png, { pageSegmentation: 'sparse', name: 'heal crop' })).text,
  };
}

/**
 * How a heal attempt ended: the selector still worked (`intact`), a heal was applied (`healed`)
 * or applied as an operator approved it (`approved`), proposed and the job paused for approval
 * (`proposed`), or no element was clearly the one (`refused`, `no_fingerprint`).
 */
export type HealAttemptOutcome = 'intact' | 'healed' | 'approved' | 'proposed' | 'refused' | 'no_fingerprint';
export type HealObserver = (outcome: HealAttemptOutcome, tier?: number) => void;

/** What the runner knows when it builds a step's context. */
export interface StepHealingScope {
  readonly tenantId: string;
  readonly jobId: string;
  readonly workflow: Workflow;
  readonly workflowId: string;
  readonly workflowVersion: number;
  readonly step: PlannedStep;
  /** Records the heal on the job: decided by the job's decider, committed through the claim's fenced log. */
  recordHeal(data: HealData): Promise<void>;
  causedBy: Pick<Envelope, 'id' | 'correlationId'>;
  storeArtifact(kind: string, name: string, bytes: Uint8Array): Promise<string>;
}

/**
 * The robot's side of self-healing: records a fingerprint the first time a step's selector
 * works, and again when the one recorded is of an older format (ADR 126), and heals a broken
 * selector on the live page within the budget, recording every heal as `SelectorHealed` on the
 * job. The newest `FingerprintRecorded` of a selector is its fingerprint; this robot caches the
 * newest it has seen; the event store stays the truth.
 */
export class StepHealing {
  private readonly known = new Map<string, Known>();
  private readonly budgetMs: number;
  private observer: HealObserver = () => undefined;

  constructor(private readonly options: StepHealingOptions) {
    this.budgetMs = options.budgetMs ?? 2_000;
  }

  /** Told of every heal attempt's outcome, and the tier that healed it. */
  observe(observer: HealObserver): void {
    this.observer = observer;
  }

  /** The `healing` policy and the two hooks of one step's `NodeContext`. */
  hooksFor(scope: StepHealingScope): Pick<NodeContext, 'healing' | 'recordTarget' | 'heal'> {
    return {
      healing: policyOf(scope.workflow, scope.step),
      recordTarget: ({ selector, frame }) => this.record(scope, selector, frame),
      heal: (request) => this.heal(scope, request),
    };
  }

  /**
   * Records the element `selector` found when the selector has no fingerprint yet, or its newest
   * one is of an older format than today's (ADR 126): decided from this robot's cache, so a
   * working step costs one bucket read per selector and robot, and a capture only when due. The
   * record is appended after the subject's last sequence: of robots racing, one records and the
   * others keep its fingerprint.
   */
  private async record(scope: StepHealingScope, selector: string, frame: Frame): Promise<void> {
    const key = selectorKey(scope.tenantId, scope.workflowId, scope.step.nodeId, selector);
    let cached = this.known.get(key);
    if (!cached) {
      cached = await this.fromBucket(scope.tenantId, key);
      if (cached) this.known.set(key, cached);
    }
    if (cached && !cached.older) return;
    const subject = subjects.event(scope.tenantId, 'selector', key);
    let fingerprint: Fingerprint | undefined;
    for (let attempt = 1; ; attempt++) {
      const history = await this.options.store.read(subject, selectorEvents);
      const newest = newestFingerprintRecorded(history.events)?.data.fingerprint;
      if (newest !== undefined) {
        const known = knownOf(newest);
        this.known.set(key, known);
        if (!known.older) return;
      }
      if (!fingerprint) {
        const visual = await this.visualOn(frame, 'capture');
        fingerprint = await captureFingerprint(frame, selector, visual ? { visual } : {});
      }
      const event = FingerprintRecorded.create({
        tenantId: scope.tenantId,
        aggregateId: key,
        causedBy: scope.causedBy,
        data: {
          selectorKey: key,
          workflowId: scope.workflowId,
          nodeId: scope.step.nodeId,
          selector,
          fingerprint: fingerprint as unknown as Record<string, never>,
          jobId: scope.jobId,
          stepKey: scope.step.key,
          robotId: this.options.robotId,
          ...replacing(newest),
        },
      });
      try {
        await this.options.store.append(subject, [event], history.lastSequence);
        this.known.set(key, knownOf(fingerprint));
        return;
      } catch (error) {
        // Another robot recorded first (theirs is the fingerprint, read next) or a heal was
        // reported on the subject in between (recorded again after it).
        if (!(error instanceof ConcurrencyError) || attempt === RECORD_ATTEMPTS) throw error;
      }
    }
  }

  /** The selector's fingerprint as the tenant's bucket holds it (ADR 78); `undefined` if it holds none. */
  private async fromBucket(tenantId: string, key: string): Promise<Known | undefined> {
    const kv = await this.options.fingerprints(tenantId).catch(() => undefined);
    const entry = await kv?.get(key).catch(() => null);
    if (!entry || entry.operation !== 'PUT') return undefined;
    const document = (entry.json() as { fingerprint?: unknown }).fingerprint;
    return document === undefined ? undefined : knownOf(document);
  }

  private async heal(scope: StepHealingScope, request: HealRequest): Promise<HealOutcome> {
    const { selector, frame } = request;
    const key = selectorKey(scope.tenantId, scope.workflowId, scope.step.nodeId, selector);
    const what =
      request.problem === 'ambiguous' ? `${selector} (matched ${request.matchCount} elements)` : selector;
    if (request.policy === 'heal-and-pause') {
      // The operator's retry-step approved the proposal: it is applied as proposed, not re-decided.
      const approved = await this.approvedHeal(scope, selector);
      if (approved) {
        await this.recordHeal(scope, { ...approved.data, applied: true, elapsedMs: 0 });
        await this.recordHealed(scope, approved.data.healedSelector, frame);
        this.note('approved', approved.data.tier);
        return { status: 'healed', selector: approved.data.healedSelector };
      }
    }
    const fingerprint = await this.fingerprint(scope.tenantId, key);
    if (!fingerprint) {
      this.note('no_fingerprint');
      return {
        status: 'refused',
        message: `element not found: ${what}; no fingerprint recorded for it, nothing to heal from`,
      };
    }
    const visual = fingerprint.visual
      ? await this.visualOn(frame, fingerprint.visual.text === undefined ? 'none' : 'heal')
      : undefined;
    const result = await healOnPage(frame, fingerprint, {
      budgetMs: this.budgetMs,
      ...(visual ? { visual } : {}),
    });
    switch (result.status) {
      case 'intact':
        this.note('intact');
        return { status: 'healed', selector: result.selector };
      case 'refused':
        this.note('refused');
        return { status: 'refused', message: refusalMessage(what, result) };
      case 'healed':
        break;
      default: {
        const _exhaustive: never = result;
        return _exhaustive;
      }
    }
    const applied = request.policy === 'heal';
    const screenshotRef = await this.crop(scope, frame, result.selector);
    await this.recordHeal(scope, {
      stepKey: scope.step.key,
      selectorKey: key,
      workflowId: scope.workflowId,
      workflowVersion: scope.workflowVersion,
      nodeId: scope.step.nodeId,
      selector,
      previousSelector: selector,
      healedSelector: result.selector,
      fragility: result.fragility,
      structural: result.structural,
      problem: request.problem,
      tier: result.tier,
      confidence: result.confidence,
      margin: result.margin,
      ...(result.runnerUp ? { runnerUp: result.runnerUp } : {}),
      elapsedMs: result.elapsedMs,
      applied,
      ...(screenshotRef ? { screenshotRef } : {}),
      explanation: explanationOf(result),
    });
    this.options.logger.info(
      {
        jobId: scope.jobId,
        step: scope.step.key,
        from: selector,
        to: result.selector,
        confidence: result.confidence,
        margin: result.margin,
        applied,
      },
      'selector healed',
    );
    if (applied) {
      await this.recordHealed(scope, result.selector, frame);
      this.note('healed', result.tier);
      return { status: 'healed', selector: result.selector };
    }
    this.note('proposed', result.tier);
    throw new HealApprovalNeededError(selector, result.selector, { message: approvalMessage(what, result) });
  }

  /**
   * The healed selector is what a workflow patched with the proposal will hold: its element is
   * known from the heal it was applied in (ADR 20), approved or not (ADR 126). Best effort.
   */
  private async recordHealed(scope: StepHealingScope, selector: string, frame: Frame): Promise<void> {
    await this.record(scope, selector, frame).catch((error: unknown) =>
      this.options.logger.warn({ err: error, step: scope.step.key }, 'could not record the healed element'),
    );
  }

  /**
   * Tier 3's view of the page, when it is on and `frame` is the page's main frame (screenshots
   * are of the page; a child frame's boxes are its own). OCR, for a `capture`: only if the element
   * turns out to draw its text, waiting for the worker's start up to `ocrStartMs` and for the
   * reading up to `budgetMs` (past either, the fingerprint records no drawn text). For a `heal`
   * that compares drawn text: the worker's start is waited for first, outside tier 3's budget,
   * which then bounds the readings. `none`: no OCR.
   */
  private async visualOn(frame: Frame, ocr: 'capture' | 'heal' | 'none'): Promise<VisualOptions | undefined> {
    const tier = this.options.visual;
    if (!tier || frame.parentFrame() !== null) return undefined;
    const engine = tier.ocr;
    let readText: ReadText | undefined;
    if (engine && ocr === 'capture') {
      readText = async (png) => {
        if (!(await this.ocrStarted(tier))) throw new Error('the OCR worker has not started');
        const text = await settledWithin(engine.read(png), tier.budgetMs, undefined);
        if (text === undefined) throw new Error(`OCR took longer than ${tier.budgetMs} ms`);
        return text;
      };
    } else if (engine && ocr === 'heal' && (await this.ocrStarted(tier))) {
      readText = (png) => engine.read(png);
    }
    return { page: frame.page(), budgetMs: tier.budgetMs, ...(readText ? { readText } : {}) };
  }

  /** Whether tier 3's OCR worker runs, started if need be and waited for up to `ocrStartMs`. */
  private async ocrStarted(tier: VisualTier): Promise<boolean> {
    if (!tier.ocr) return false;
    const started = tier.ocr.start().then(
      () => true,
      (error: unknown) => {
        this.options.logger.warn({ err: error }, 'the OCR worker of the visual healing tier did not start');
        return false;
      },
    );
    const ready = await settledWithin(started, tier.ocrStartMs, false);
    if (!ready)
      this.options.logger.warn(
        { waitedMs: tier.ocrStartMs },
        'the visual healing tier goes without OCR this time: its worker is not ready',
      );
    return ready;
  }

  /** Counts the attempt and marks the step's span with how it ended. */
  private note(outcome: HealAttemptOutcome, tier?: number): void {
    this.observer(outcome, tier);
    annotateActiveSpan({
      'aether.healing.outcome': outcome,
      ...(tier === undefined ? {} : { 'aether.healing.tier': tier }),
    });
  }

  /**
   * Tells the healer on the selector's subject, then records the heal on the job (fenced). The
   * report goes first: a robot that dies between the two leaves the healer knowing of a heal
   * that really happened, where the other order could lose it.
   */
  private async recordHeal(scope: StepHealingScope, data: HealData): Promise<void> {
    const report = SelectorHealReported.create({
      tenantId: scope.tenantId,
      aggregateId: data.selectorKey,
      causedBy: scope.causedBy,
      data: { ...data, jobId: scope.jobId },
    });
    await this.options.store.append(
      subjects.event(scope.tenantId, 'selector', data.selectorKey),
      [report],
      'any',
    );
    await scope.recordHeal(data);
  }

  /** Under heal-and-pause: the heal proposed for this step that an operator approved with retry-step. */
  private async approvedHeal(scope: StepHealingScope, selector: string) {
    const history = await this.options.store.read(
      subjects.event(scope.tenantId, 'job', scope.jobId),
      jobEvents,
    );
    let proposed: Extract<JobEvent, { type: 'SelectorHealed' }> | undefined;
    let approved = false;
    for (const { event } of history.events) {
      if (
        event.type === 'SelectorHealed' &&
        event.data.stepKey === scope.step.key &&
        event.data.previousSelector === selector
      ) {
        proposed = event.data.applied ? undefined : event;
        approved = false;
      } else if (event.type === 'StepResolved' && event.data.stepKey === scope.step.key) {
        approved = proposed !== undefined && event.data.action === 'retry';
      }
    }
    return approved ? proposed : undefined;
  }

  /** The selector's newest fingerprint: this robot's, the tenant's bucket's, else the events'. */
  private async fingerprint(tenantId: string, key: string): Promise<Fingerprint | undefined> {
    let known = this.known.get(key);
    if (!known) {
      known = await this.fromBucket(tenantId, key);
      if (!known || known.older) {
        // The healer has not projected it (or a newer record) yet, or is down: the events are the truth.
        const history = await this.options.store.read(
          subjects.event(tenantId, 'selector', key),
          selectorEvents,
        );
        const newest = newestFingerprintRecorded(history.events)?.data.fingerprint;
        if (newest !== undefined) known = knownOf(newest);
      }
      if (!known) return undefined;
      this.known.set(key, known);
    }
    return parseFingerprint(known.document);
  }

  /** A screenshot of the healed element and its surroundings; best effort. */
  private async crop(scope: StepHealingScope, frame: Frame, selector: string): Promise<string | undefined> {
    try {
      const box = await frame.locator(selector).boundingBox({ timeout: 1_000 });
      if (!box) return undefined;
      const x = Math.max(0, box.x - CROP_PADDING);
      const y = Math.max(0, box.y - CROP_PADDING);
      const clip = {
        x,
        y,
        width: box.width + box.x - x + CROP_PADDING,
        height: box.height + box.y - y + CROP_PADDING,
      };
      const bytes = await frame.page().screenshot({ clip, timeout: 2_000 });
      const attempt = scope.step.previousAttempts + 1;
      return await scope.storeArtifact('screenshot', `${scope.step.key}/heal-${attempt}.png`, bytes);
    } catch (error) {
      this.options.logger.warn({ err: error, step: scope.step.key }, 'could not capture the heal screenshot');
      return undefined;
    }
  }
}

/**
 * Opens a tenant's fingerprints bucket (the healer makes it) on first use, to read by direct get
 * (ADR 78); `undefined` (retried next time) when it cannot be opened.
 */
export function fingerprintBucket(nc: NatsConnection): (tenantId: TenantId) => Promise<KV | undefined> {
  const opened = new Map<TenantId, Promise<KV>>();
  return async (tenantId) => {
    let bucket = opened.get(tenantId);
    if (!bucket) {
      bucket = openFingerprintsBucket(nc, tenantId);
      opened.set(tenantId, bucket);
    }
    try {
      return await bucket;
    } catch {
      opened.delete(tenantId);
      return undefined;
    }
  };
}

/** The step's policy: its `healing` param, else the workflow's `defaults.healing`, else `off`. */
export function policyOf(workflow: Workflow, step: PlannedStep): HealingPolicy {
  const own = HealingPolicySchema.safeParse(step.params['healing']);
  if (own.success) return own.data;
  const defaults = workflow['defaults'] as { healing?: unknown } | undefined;
  const inherited = HealingPolicySchema.safeParse(defaults?.healing);
  return inherited.success ? inherited.data : 'off';
}

/** A subject- and KV-safe key naming one selector of one node of one workflow of one tenant. */
export function selectorKey(tenantId: string, workflowId: string, nodeId: string, selector: string): string {
  return createHash('sha256')
    .update(JSON.stringify([tenantId, workflowId, nodeId, selector]))
    .digest('hex')
    .slice(0, 40);
}

function refusalMessage(what: string, result: RefusedResult): string {
  const best = result.best
    ? `best candidate ${result.best.selector} at confidence ${result.best.confidence.toFixed(2)} refused`
    : 'no candidate';
  // Tier 3 says what it saw on screen; tiers 1–2's reasons are in the numbers already.
  const visual = result.explanation?.rule === 'visual' ? `: ${result.explanation.summary}` : '';
  return `element not found: ${what}; ${best} (${result.reason})${visual}`;
}

/** `work`'s value, or `fallback` once `ms` have passed (the work goes on; an OCR worker keeps starting). */
async function settledWithin<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function approvalMessage(what: string, result: HealedResult): string {
  return (
    `element not found: ${what}; healed to ${result.selector} at confidence ${result.confidence.toFixed(2)} ` +
    `(margin ${result.margin.toFixed(2)}), waiting for approval: retry-step applies it, skip-step or fail decide otherwise`
  );
}

/** The heal's explanation as the event carries it (plain arrays). */
function explanationOf(result: HealedResult): MessageOf<typeof SelectorHealed>['data']['explanation'] {
  const { evidence, against, ...rest } = result.explanation;
  return { ...rest, evidence: [...evidence], ...(against ? { against: [...against] } : {}) };
}
