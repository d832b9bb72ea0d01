// Public API of @aether/healing. Everything else under lib/ is internal.

// The fingerprint format (README.md documents it field by field).
export {
  FINGERPRINT_VERSION,
  parseFingerprint,
  type Fingerprint,
  type ElementFeatures,
  type Anchor,
  type AnchorKind,
} from './lib/fingerprint';
export { InvalidFingerprintError, ElementNotFoundError } from './lib/errors';
export type { ElementSnapshot, BoundingBox } from './lib/snapshot';

// Heal results and options, shared by every adapter.
export {
  DEFAULT_HEAL_OPTIONS,
  type HealOptions,
  type HealResult,
  type HealedResult,
  type IntactResult,
  type RefusedResult,
  type RefusalReason,
  type HealTier,
  type CandidateRef,
} from './lib/heal';
export { DEFAULT_WEIGHTS, type Weights } from './lib/score';

// Offline: an HTML string.
export { HtmlPage, fingerprintFromHtml, healInHtml } from './lib/html-adapter';

// In the robot: a Playwright page (typed structurally).
export { captureFingerprint, healOnPage, rateSelectorOnPage, type PageLike } from './lib/page-adapter';

// Record time: how likely a selector is to break, and a sturdier one.
export {
  rateSelectorFragility,
  type FragilityRating,
  type FragilityReason,
  type FragilityCode,
} from './lib/fragility';
