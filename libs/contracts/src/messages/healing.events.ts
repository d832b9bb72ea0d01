import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';

/**
 * What a browser step does when its selector no longer picks out one element:
 * - `off`: fail as before (`ELEMENT_NOT_FOUND`, or `AMBIGUOUS_SELECTOR` when several match);
 * - `heal`: act on the healed element and record `SelectorHealed`;
 * - `heal-and-pause`: record the proposed heal (`applied: false`) and park the job for an operator.
 * Default `off`.
 */
export const HealingPolicySchema = z.enum(['off', 'heal', 'heal-and-pause']);
export type HealingPolicy = z.infer<typeof HealingPolicySchema>;

/** A candidate element a heal considered: its unique CSS selector and its similarity (0..1) to the fingerprint. */
export const HealCandidateSchema = z.object({
  selector: z.string().max(2000),
  confidence: z.number().min(0).max(1),
});

/**
 * Why a heal chose its element (`@aether/healing`'s `HealExplanation`): the rule that decided
 * (`similarity` and `unmistakable` are tier 1, `context` and `anchors` tier 2, `visual` tier 3),
 * a sentence, and the features that weighed most for and against it.
 */
const HealEvidenceSchema = z.object({
  feature: z.string().max(100),
  weight: z.number().nonnegative(),
  similarity: z.number().min(0).max(1),
});
export const HealExplanationSchema = z.object({
  rule: z.enum(['similarity', 'unmistakable', 'context', 'anchors', 'visual']),
  summary: z.string().max(2000),
  evidence: z.array(HealEvidenceSchema).max(20),
  against: z.array(HealEvidenceSchema).max(20).optional(),
  runnerUp: z.string().max(2000).optional(),
});

/**
 * Where one selector lives: `selectorKey` is a hash of tenant, workflow id, node id and
 * the selector, safe as a subject token and a KV key.
 */
const selectorRef = {
  selectorKey: z.string().min(1).max(128),
  workflowId: z.string().min(1),
  nodeId: z.string().min(1),
  selector: z.string().min(1).max(2000),
};

/**
 * A successful run of a step recorded what its target element looks like (the
 * `@aether/healing` fingerprint, format in `libs/healing/README.md`). Appended by the robot
 * on `aether.evt.<tenant>.selector.<selectorKey>` after the subject's last sequence: the first
 * time the selector works, and again when the newest record is of an older format (ADR 126).
 * The newest `FingerprintRecorded` of a selector is its fingerprint; of robots racing, one records.
 */
export const FingerprintRecorded = defineMessage({
  kind: 'event',
  aggregate: 'selector',
  type: 'FingerprintRecorded',
  version: 1,
  schema: z.object({
    ...selectorRef,
    /** The fingerprint document; validated by `parseFingerprint` where it is used. */
    fingerprint: z.record(z.string(), z.json()),
    /** Where it was recorded: the job and step whose run captured it. */
    jobId: z.string().min(1),
    stepKey: z.string().min(1),
    robotId: z.string(),
    /** Format version of the fingerprint this record replaces (ADR 126); absent on the selector's first. */
    replaces: z.number().int().positive().optional(),
  }),
});

/**
 * The healer's record-time rating of a selector: how likely it breaks on cosmetic page
 * changes (0 sturdy … 1 breaks on the next deploy), why, and a sturdier selector for the
 * same element built from the fingerprint (not verified on a page).
 */
export const SelectorFragilityRated = defineMessage({
  kind: 'event',
  aggregate: 'selector',
  type: 'SelectorFragilityRated',
  version: 1,
  schema: z.object({
    ...selectorRef,
    score: z.number().min(0).max(1),
    reasons: z.array(z.object({ code: z.string().max(100), message: z.string().max(2000) })),
    suggestion: z.string().max(2000).optional(),
  }),
});

/**
 * A browser step's selector matched nothing (or several elements) and the healer found the
 * recorded element again. Appended to the JOB (fenced like every step event) before the step
 * acts on the new selector, or, under `heal-and-pause`, as a proposal (`applied: false`)
 * before the job parks. Healing is never silent.
 */
export const SelectorHealed = defineMessage({
  kind: 'event',
  aggregate: 'job',
  type: 'SelectorHealed',
  version: 1,
  schema: z.object({
    stepKey: z.string().min(1),
    ...selectorRef,
    workflowVersion: z.number().int().positive(),
    /** The selector the workflow holds (`selector` is the same; kept for readers of the heal alone). */
    previousSelector: z.string().min(1).max(2000),
    /** The unique selector of the healed element (CSS, `role=…[name*=…s]`, or that after a scope: `footer >> role=…`): the sturdiest one found, what a patch proposes. */
    healedSelector: z.string().min(1).max(2000),
    /** Fragility score of `healedSelector`, 0 (sturdy) … 1 (breaks on the next deploy). Absent in older heals. */
    fragility: z.number().min(0).max(1).optional(),
    /** `healedSelector` is a positional path, the last resort: the next layout change breaks it. */
    structural: z.boolean().optional(),
    /** Why the old selector failed: it matched nothing, or more than one element. */
    problem: z.enum(['not-found', 'ambiguous']),
    /**
     * 1: the element's own attributes decided; 2: its recorded context or stable neighbours
     * (anchors) broke a tie; 3: the visual tier (rendered page) did.
     */
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    /** Similarity of the healed element to the fingerprint, 0..1 (acted on from 0.6). */
    confidence: z.number().min(0).max(1),
    /** Confidence lead over the runner-up (the whole confidence when there is none; acted on from 0.1). */
    margin: z.number().min(0).max(1),
    runnerUp: HealCandidateSchema.optional(),
    /** Wall-clock time of the heal in milliseconds (budget 400). */
    elapsedMs: z.number().nonnegative(),
    /** `true`: the step acted on `healedSelector`; `false`: proposed, waiting for an operator. */
    applied: z.boolean(),
    /** Artifact reference of a screenshot crop around the healed element. */
    screenshotRef: z.string().max(2000).optional(),
    /** Which evidence decided (absent in events recorded before issue 27). */
    explanation: HealExplanationSchema.optional(),
  }),
});

/**
 * A heal as the healer hears of it, on the healed selector's own subject: the robot appends it
 * just before `SelectorHealed` on the job, so the healer follows selector subjects only, not
 * every job event (ADR 0021). A crash between the two leaves a report without its job event,
 * which is still true evidence that the selector broke on a live page.
 */
export const SelectorHealReported = defineMessage({
  kind: 'event',
  aggregate: 'selector',
  type: 'SelectorHealReported',
  version: 1,
  schema: SelectorHealed.schema.extend({ jobId: z.string().min(1) }),
});

/** One selector replacement a proposal carries: in node `nodeId`, `from` becomes `to`. */
export const SelectorPatchSchema = z.object({
  nodeId: z.string().min(1),
  from: z.string().min(1).max(2000),
  to: z.string().min(1).max(2000),
  confidence: z.number().min(0).max(1),
  margin: z.number().min(0).max(1),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  /** Fragility score of `to` (0 sturdy … 1), when the heal reported it. */
  fragility: z.number().min(0).max(1).optional(),
  /** `to` is a positional path: approve it knowing the next layout change breaks it. */
  structural: z.boolean().optional(),
  /** The job that found it, and the `SelectorHealReported` that told the healer. */
  jobId: z.string().min(1),
  healEventId: z.string().min(1),
});
export type SelectorPatch = z.infer<typeof SelectorPatchSchema>;

const proposal = { kind: 'event', aggregate: 'proposal' } as const;

/**
 * The healer proposes a patch of one workflow version: a heal replaced `from` with `to`.
 * A proposal (`aether.evt.<tenant>.proposal.<workflowId>-v<version>`) collects every patch
 * of that version until an operator approves or rejects it.
 */
export const SelectorPatchProposed = defineMessage({
  ...proposal,
  type: 'SelectorPatchProposed',
  version: 1,
  schema: z.object({
    workflowId: z.string().min(1),
    workflowVersion: z.number().int().positive(),
    patch: SelectorPatchSchema,
  }),
});

/** An operator approved the proposal: `newVersion` of the workflow holds the patched selectors. */
export const HealProposalApproved = defineMessage({
  ...proposal,
  type: 'HealProposalApproved',
  version: 1,
  schema: z.object({
    workflowId: z.string().min(1),
    newVersion: z.number().int().positive(),
    note: z.string().max(2000).optional(),
  }),
});

/** An operator rejected the proposal; later heals of the same version propose nothing new. */
export const HealProposalRejected = defineMessage({
  ...proposal,
  type: 'HealProposalRejected',
  version: 1,
  schema: z.object({ workflowId: z.string().min(1), note: z.string().max(2000).optional() }),
});

export const SELECTOR_EVENTS = [FingerprintRecorded, SelectorFragilityRated, SelectorHealReported] as const;
export type SelectorEvent =
  | MessageOf<typeof FingerprintRecorded>
  | MessageOf<typeof SelectorFragilityRated>
  | MessageOf<typeof SelectorHealReported>;

/** A selector's last `FingerprintRecorded` in `events` (its subject's history): the one in force (ADR 126). */
export function newestFingerprintRecorded(
  events: readonly { event: SelectorEvent }[],
): MessageOf<typeof FingerprintRecorded> | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]?.event;
    if (event?.type === 'FingerprintRecorded') return event;
  }
  return undefined;
}

export const PROPOSAL_EVENTS = [SelectorPatchProposed, HealProposalApproved, HealProposalRejected] as const;
export type ProposalEvent =
  | MessageOf<typeof SelectorPatchProposed>
  | MessageOf<typeof HealProposalApproved>
  | MessageOf<typeof HealProposalRejected>;

/** Events of the selector and proposal aggregates (`SelectorHealed` is a job event). */
export const HEALING_EVENTS = [...SELECTOR_EVENTS, ...PROPOSAL_EVENTS] as const;
export type HealingEvent = SelectorEvent | ProposalEvent;
