import { InvalidFingerprintError } from './errors';
import type { BoundingBox, ElementSnapshot } from './snapshot';
import { VISUAL_VERSION, parseVisual, type VisualFingerprint } from './visual';

/**
 * Format version written today. Versions 1 (no `context`) and 2 (no `context.groups`) are
 * still read: `parseFingerprint` upcasts them, and such a fingerprint heals on the fields its
 * version had, exactly as it did.
 */
export const FINGERPRINT_VERSION = 3;
const READABLE_VERSIONS: readonly unknown[] = [1, 2, 3];

/**
 * What a recorder stores about one target element, as plain JSON (see README.md for the
 * field-by-field format). Every text is as found on the page, whitespace collapsed and
 * capped at 200 characters; absent attributes are omitted.
 */
export interface Fingerprint extends ElementFeatures {
  /** Format version; readers reject versions they do not know. */
  readonly version: typeof FINGERPRINT_VERSION;
  /** The selector the step was recorded with (CSS). */
  readonly selector: string;
  /** Stable neighbours and the route from each to the target (Tier 2). */
  readonly anchors?: readonly Anchor[];
  /**
   * The elements that most resembled the target on the recording page, most similar
   * first. A candidate that resembles one of them more than the target is taken for
   * that element, never for the target.
   */
  readonly lookalikes?: readonly ElementFeatures[];
  /**
   * How the element looked at record time (browser capture with tier 3 on): box, crop
   * hash, drawn text. Versioned on its own (`v`); an unknown version is dropped on read.
   */
  readonly visual?: VisualFingerprint;
}

/** The attributes and context of one element, as recorded. */
export interface ElementFeatures {
  /** Lower-case tag name. */
  readonly tag: string;
  readonly id?: string;
  readonly name?: string;
  /** `type` attribute, lower-cased (inputs, buttons). */
  readonly type?: string;
  /** Explicit `role`, else the implicit ARIA role (`a[href]` → `link`). */
  readonly role?: string;
  readonly classes?: readonly string[];
  /** Visible text of the element's subtree. */
  readonly text?: string;
  readonly ariaLabel?: string;
  readonly placeholder?: string;
  readonly title?: string;
  readonly alt?: string;
  readonly href?: string;
  readonly src?: string;
  /** `value` attribute of inputs and buttons. */
  readonly value?: string;
  /** Test attributes as `name=value`, e.g. `data-testid=login`. */
  readonly testIds?: readonly string[];
  /** Text of the associated label (`for`, enclosing `label`, `aria-labelledby`). */
  readonly labelText?: string;
  /** Text of the nearest ancestor whose text differs from the element's own. */
  readonly parentText?: string;
  /** Text of the nearest preceding sibling node with text. */
  readonly prevText?: string;
  /** Text of the nearest following sibling node with text. */
  readonly nextText?: string;
  /** Text of the nearest heading before the element. */
  readonly headingText?: string;
  /** Innermost landmark ancestor: `role` or `role:aria-label` (`navigation`, `form`). */
  readonly landmark?: string;
  /** Number of ancestor elements (the root element has depth 0). */
  readonly depth: number;
  /** Tag names from the root element down to the element itself. */
  readonly path: readonly string[];
  /** 1-based position among same-tag siblings. */
  readonly nthOfType?: number;
  /** `nthOfType` of every element on `path`, root first. */
  readonly positions?: readonly number[];
  /** Viewport box in CSS pixels at record time; only captured in a browser. */
  readonly bbox?: BoundingBox;
  /**
   * Where the element sits, recorded to tell it from look-alikes that appear later in
   * another form, landmark or section (version 2; absent in version 1).
   */
  readonly context?: TargetContext;
}

/** The element's surroundings at record time (fingerprint version 2). */
export interface TargetContext {
  /** Landmark ancestors, outermost first: `banner`, `navigation:Main`, `form`, … */
  readonly landmarks: readonly string[];
  /** Heading outline above the element, h1 first (see `ElementSnapshot.headings`). */
  readonly headings: readonly string[];
  /** The enclosing form's identity (`#login`, `name=…`, `action=/path`, `form`); absent outside forms. */
  readonly form?: string;
  /** `#id` of the nearest ancestor with a unique, stable id; absent when there is none. */
  readonly container?: string;
  /**
   * The labels of the entries heading the lists the element sits in, outermost first: a
   * submenu's parent entry, a menu column's title (version 3; absent before, and then the
   * heal does not read it). `[]`: in no headed list.
   */
  readonly groups?: readonly string[];
}

/** How an anchor is recognised again on the changed page. */
export type AnchorKind = 'testid' | 'id' | 'label' | 'heading' | 'text';

/**
 * A stable, page-unique element near the target, and where the target sits relative to
 * it: `up` steps from the target to their closest common ancestor, then `down` steps to
 * the anchor; `route` is the tag path from that ancestor down to the target.
 */
export interface Anchor {
  readonly kind: AnchorKind;
  readonly tag: string;
  /** `name=value` for `testid`, the id for `id`, the text otherwise. */
  readonly key: string;
  readonly up: number;
  readonly down: number;
  readonly route: readonly string[];
  /** The anchor comes before the target in document order. */
  readonly before: boolean;
  /**
   * Where both branches below the common ancestor share a tag: the target branch's
   * same-tag position minus the anchor branch's (`+2`: two list items after the anchor).
   */
  readonly offset?: number;
}

const TEXT_FIELDS = [
  'id',
  'name',
  'type',
  'role',
  'text',
  'ariaLabel',
  'placeholder',
  'title',
  'alt',
  'href',
  'src',
  'value',
  'labelText',
  'parentText',
  'prevText',
  'nextText',
  'headingText',
  'landmark',
] as const;

/** The recorded features of a snapshot: empty attributes dropped. */
export function featuresOf(snapshot: ElementSnapshot): ElementFeatures {
  const out: Record<string, unknown> = { tag: snapshot.tag };
  for (const field of TEXT_FIELDS) if (snapshot[field]) out[field] = snapshot[field];
  if (snapshot.classes.length > 0) out['classes'] = [...snapshot.classes];
  if (snapshot.testIds.length > 0) out['testIds'] = [...snapshot.testIds];
  out['depth'] = snapshot.depth;
  out['path'] = [...snapshot.path];
  out['nthOfType'] = snapshot.nthOfType;
  out['positions'] = [...snapshot.positions];
  if (snapshot.bbox) out['bbox'] = { ...snapshot.bbox };
  out['context'] = {
    landmarks: [...snapshot.landmarks],
    headings: [...snapshot.headings],
    ...(snapshot.form ? { form: snapshot.form } : {}),
    ...(snapshot.containers.length > 0
      ? { container: snapshot.containers[snapshot.containers.length - 1] }
      : {}),
    groups: [...snapshot.groups],
  };
  return out as unknown as ElementFeatures;
}

/** The fingerprint of a snapshot, recorded under `selector`. */
export function fingerprintFromSnapshot(
  snapshot: ElementSnapshot,
  selector: string,
  extras: { anchors?: readonly Anchor[]; lookalikes?: readonly ElementSnapshot[] } = {},
): Fingerprint {
  return {
    version: FINGERPRINT_VERSION,
    selector,
    ...featuresOf(snapshot),
    ...(extras.anchors && extras.anchors.length > 0 ? { anchors: extras.anchors } : {}),
    ...(extras.lookalikes && extras.lookalikes.length > 0
      ? {
          lookalikes: extras.lookalikes.map((l) => {
            const { context: _context, ...features } = featuresOf(l);
            return features;
          }),
        }
      : {}),
  };
}

/**
 * Whether a stored fingerprint document was written in an older format than today's
 * (`version` below `FINGERPRINT_VERSION`, or a `visual` below `VISUAL_VERSION`, which
 * `parseFingerprint` drops), so its selector is recorded again the next time it works (ADR 126).
 * Decide on the document as stored: `parseFingerprint` upcasts the version. A newer or
 * unreadable document is not older: a robot of an older release never writes over it.
 */
export function recordedInOlderFormat(document: unknown): boolean {
  if (typeof document !== 'object' || document === null) return false;
  const { version, visual } = document as { version?: unknown; visual?: unknown };
  if (typeof version !== 'number' || !READABLE_VERSIONS.includes(version)) return false;
  if (version < FINGERPRINT_VERSION) return true;
  const v = typeof visual === 'object' && visual !== null ? (visual as { v?: unknown }).v : undefined;
  return typeof v === 'number' && v < VISUAL_VERSION;
}

/** Validates a parsed JSON document as a fingerprint; throws `InvalidFingerprintError`. */
export function parseFingerprint(input: unknown): Fingerprint {
  const o = asObject(input, 'fingerprint');
  if (!READABLE_VERSIONS.includes(o['version'])) fail(`unsupported version ${JSON.stringify(o['version'])}`);
  if (typeof o['selector'] !== 'string') fail('selector must be a string');
  const features = parseFeatures(o, 'fingerprint');
  const anchors = o['anchors'];
  if (anchors !== undefined) {
    if (!Array.isArray(anchors)) fail('anchors must be an array');
    for (const a of anchors as unknown[]) {
      const r = asObject(a, 'anchor');
      const ok =
        ['testid', 'id', 'label', 'heading', 'text'].includes(r['kind'] as string) &&
        typeof r['tag'] === 'string' &&
        typeof r['key'] === 'string' &&
        typeof r['up'] === 'number' &&
        typeof r['down'] === 'number' &&
        Array.isArray(r['route']) &&
        typeof r['before'] === 'boolean' &&
        (r['offset'] === undefined || typeof r['offset'] === 'number');
      if (!ok) fail('malformed anchor');
    }
  }
  const lookalikes = o['lookalikes'];
  if (lookalikes !== undefined && !Array.isArray(lookalikes)) fail('lookalikes must be an array');
  const visual = o['visual'] === undefined ? undefined : parseVisual(o['visual']);
  if (visual === 'invalid') fail('malformed visual');
  // Groups are version 3's: an older fingerprint that carries them heals as its version did.
  const context = features.context;
  let upcast = {};
  if (o['version'] !== 3 && context?.groups !== undefined) {
    const { groups: _groups, ...older } = context;
    upcast = { context: older };
  }
  const parsed: Record<string, unknown> = {
    ...o,
    ...features,
    ...upcast,
    version: FINGERPRINT_VERSION,
    ...(Array.isArray(lookalikes)
      ? {
          lookalikes: lookalikes.map((l: unknown, i) =>
            parseFeatures(asObject(l, `lookalikes[${i}]`), `lookalikes[${i}]`),
          ),
        }
      : {}),
  };
  // An unknown visual version is dropped: such a fingerprint heals without tier 3.
  delete parsed['visual'];
  if (visual) parsed['visual'] = visual;
  return parsed as unknown as Fingerprint;
}

function fail(why: string): never {
  throw new InvalidFingerprintError(`invalid fingerprint: ${why}`);
}

function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(`${what} is not an object`);
  return input as Record<string, unknown>;
}

function parseFeatures(o: Record<string, unknown>, what: string): ElementFeatures {
  if (typeof o['tag'] !== 'string' || !o['tag']) fail(`${what}: tag must be a non-empty string`);
  for (const field of TEXT_FIELDS) {
    if (o[field] !== undefined && typeof o[field] !== 'string') fail(`${what}: ${field} must be a string`);
  }
  for (const field of ['classes', 'testIds', 'path'] as const) {
    const v = o[field];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
      fail(`${what}: ${field} must be an array of strings`);
  }
  const positions = o['positions'];
  if (positions !== undefined && !(Array.isArray(positions) && positions.every((x) => typeof x === 'number')))
    fail(`${what}: positions must be an array of numbers`);
  for (const field of ['depth', 'nthOfType'] as const) {
    if (o[field] !== undefined && typeof o[field] !== 'number') fail(`${what}: ${field} must be a number`);
  }
  const bbox = o['bbox'];
  if (bbox !== undefined) {
    const b = asObject(bbox, `${what}: bbox`);
    if (!['x', 'y', 'width', 'height'].every((k) => typeof b[k] === 'number'))
      fail(`${what}: bbox must be {x,y,width,height}`);
  }
  const context = o['context'];
  if (context !== undefined) {
    const c = asObject(context, `${what}: context`);
    const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (
      !strings(c['landmarks']) ||
      !strings(c['headings']) ||
      (c['form'] !== undefined && typeof c['form'] !== 'string') ||
      (c['container'] !== undefined && typeof c['container'] !== 'string') ||
      (c['groups'] !== undefined && !strings(c['groups']))
    )
      fail(
        `${what}: context must be {landmarks: string[], headings: string[], form?: string, container?: string, groups?: string[]}`,
      );
  }
  const path = (o['path'] as string[] | undefined) ?? [];
  return {
    ...o,
    path,
    depth: (o['depth'] as number | undefined) ?? Math.max(0, path.length - 1),
  } as unknown as ElementFeatures;
}
