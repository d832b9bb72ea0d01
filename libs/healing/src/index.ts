// Public API of @aether/healing. Everything else under lib/ is internal.

// The fingerprint format (README.md documents it field by field).
export {
  FINGERPRINT_VERSION,
  parseFingerprint,
  recordedInOlderFormat,
  type Fingerprint,
  type ElementFeatures,
  type Anchor,
  type AnchorKind,
  type TargetContext,
} from './lib/fingerprint';
export { InvalidFingerprintError, ElementNotFoundError } from './lib/errors';
export { matchedSnapshots, type ElementSnapshot, type BoundingBox } from './lib/snapshot';

// Heal results and options, shared by every adapter.
export { DEFAULT_HEAL_OPTIONS, type HealOptions } from './lib/heal';
export {
  type HealResult,
  type HealedResult,
  type IntactResult,
  type RefusedResult,
  type RefusalReason,
  type HealTier,
  type HealRule,
  type HealEvidence,
  type HealExplanation,
  type CandidateRef,
} from './lib/result';
export { DEFAULT_WEIGHTS, type Weights } from './lib/score';

// What bounds healing: an element a deleted target's copy would look exactly like.
export { looksLikeACopy } from './lib/copy-like';

// Offline: an HTML string.
export { HtmlPage, fingerprintFromHtml, healInHtml } from './lib/html-adapter';

// In the robot: a Playwright page (typed structurally).
export {
  captureFingerprint,
  healOnPage,
  rateSelectorOnPage,
  type PageLike,
  type LiveHealOptions,
} from './lib/page-adapter';

// Tier 3, on a rendered page: how the element looked (crop hash, box, drawn text).
export {
  VISUAL_VERSION,
  differenceHash,
  type VisualFingerprint,
  type VisualOptions,
  type ScreenshotPage,
  type ReadText,
} from './lib/visual';

// What a heal proposes to patch the workflow with.
export type { SelectorProposal } from './lib/proposal';

// Record time: how likely a selector is to break, and a sturdier one.
export {
  rateSelectorFragility,
  type FragilityRating,
  type FragilityReason,
  type FragilityCode,
} from './lib/fragility';
