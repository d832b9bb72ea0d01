import type { ElementFeatures } from './fingerprint';
import type { BoundingBox } from './snapshot';
import {
  dice,
  editSimilarity,
  identifierTokens,
  jaccard,
  normalize,
  sequenceSimilarity,
  textSimilarity,
  words,
} from './text';

/**
 * Relative weight of each attribute in the similarity score. A feature only counts when
 * the fingerprint has it (or, for the text-like ones, when either side has it), so the
 * score is the weighted share of recorded evidence the candidate reproduces.
 */
export interface Weights {
  readonly tag: number;
  readonly role: number;
  readonly id: number;
  readonly name: number;
  readonly type: number;
  readonly testId: number;
  readonly classes: number;
  readonly text: number;
  readonly accessibleName: number;
  readonly ariaLabel: number;
  readonly placeholder: number;
  readonly title: number;
  readonly alt: number;
  readonly href: number;
  readonly src: number;
  readonly value: number;
  readonly labelText: number;
  readonly parentText: number;
  readonly siblingText: number;
  readonly headingText: number;
  readonly landmark: number;
  readonly path: number;
  readonly position: number;
  readonly bbox: number;
}

export const DEFAULT_WEIGHTS: Weights = {
  tag: 1,
  role: 1,
  id: 1.5,
  name: 1.5,
  type: 0.5,
  testId: 2.5,
  classes: 1,
  text: 2,
  accessibleName: 1.5,
  ariaLabel: 1,
  placeholder: 1,
  title: 0.5,
  alt: 1,
  href: 1.5,
  src: 0.75,
  value: 0.75,
  labelText: 1,
  parentText: 1,
  siblingText: 0.5,
  headingText: 0.75,
  landmark: 0.5,
  path: 0.75,
  position: 0.75,
  bbox: 0.75,
};

interface PreparedText {
  readonly s: string;
  readonly w: ReadonlySet<string>;
}

/**
 * A normalised text; its words are split only when a comparison needs them (most never do).
 * It remembers its similarity to each text it was compared with: the fingerprint's texts meet
 * the same parent, heading and neighbour texts again and again (siblings share them).
 */
class NormalisedText implements PreparedText {
  private words: ReadonlySet<string> | null = null;
  private similarities: Map<string, number> | null = null;
  constructor(readonly s: string) {}
  get w(): ReadonlySet<string> {
    return (this.words ??= words(this.s));
  }
  /** `textSimilarity` to another non-empty, different text. */
  similarityTo(other: PreparedText): number {
    const known = (this.similarities ??= new Map());
    let sim = known.get(other.s);
    if (sim === undefined) {
      // A text holding none of these words as much as a substring shares no word with this
      // one: its dice is 0 and its words need not be split.
      sim =
        this.s === other.s || !this.s || !other.s || this.inside(other.s)
          ? textSimilarity(this.s, this.w, other.s, other.w)
          : editSimilarity(this.s, other.s);
      known.set(other.s, sim);
    }
    return sim;
  }
  /** Whether one of this text's words occurs in `s`. */
  private inside(s: string): boolean {
    for (const word of this.w) if (s.includes(word)) return true;
    return false;
  }
}

/** A fingerprint or snapshot ready for scoring; texts are normalised on first use. */
export interface Features {
  readonly tag: string;
  readonly family: string;
  readonly role: string;
  readonly type: string;
  readonly id: string;
  readonly idTokens: ReadonlySet<string>;
  readonly name: string;
  readonly nameTokens: ReadonlySet<string>;
  readonly testIds: readonly string[];
  readonly classes: ReadonlySet<string>;
  readonly text: PreparedText;
  readonly accessibleName: PreparedText;
  readonly ariaLabel: PreparedText;
  readonly placeholder: PreparedText;
  readonly title: PreparedText;
  readonly alt: PreparedText;
  readonly href: PreparedText;
  readonly src: PreparedText;
  readonly value: PreparedText;
  readonly labelText: PreparedText;
  readonly parentText: PreparedText;
  readonly prevText: PreparedText;
  readonly nextText: PreparedText;
  readonly headingText: PreparedText;
  readonly landmark: string;
  readonly path: readonly string[];
  /** `nthOfType` of every element on `path`, root first (empty when none were recorded). */
  readonly positions: readonly number[];
  /** How many levels `positionSimilarity` compares: the path's, 0 without recorded positions. */
  readonly stepCount: number;
  readonly bbox: BoundingBox | null;
  readonly visible: boolean;
  /** Landmark path, heading outline and form (fingerprint v2, snapshots); `null` for a v1 fingerprint. */
  readonly place: Place | null;
}

/** Where an element sits: see `TargetContext`. */
export interface Place {
  readonly landmarks: readonly string[];
  readonly headings: readonly string[];
  readonly form: string;
  /** For a fingerprint its nearest id'd ancestor; for a snapshot up to three, nearest last. */
  readonly containers: readonly string[];
  /** The labels heading the lists it sits in (`TargetContext.groups`); absent before fingerprint version 3. */
  readonly groups?: readonly string[];
}

type FeatureSource = Omit<ElementFeatures, 'bbox'> & {
  readonly bbox?: BoundingBox | null;
  readonly visible?: boolean;
  readonly landmarks?: readonly string[];
  readonly headings?: readonly string[];
  readonly form?: string;
  readonly containers?: readonly string[];
  readonly groups?: readonly string[];
};

const EMPTY: PreparedText = { s: '', w: new Set() };
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/]+/;
const TRAILING_SLASH = /\/$/;
const NOWHERE = /^(#!?|javascript:.*)$/;

/**
 * Normalised texts by raw value. Siblings share parent and heading texts, so one cache
 * per heal saves most of the normalising and tokenising.
 */
export class TextCache {
  private readonly texts = new Map<string, PreparedText>();
  private readonly urls = new Map<string, PreparedText>();

  text(value: string | undefined): PreparedText {
    if (!value) return EMPTY;
    let p = this.texts.get(value);
    if (!p) {
      const s = normalize(value);
      p = s ? new NormalisedText(s) : EMPTY;
      this.texts.set(value, p);
    }
    return p;
  }

  url(value: string | undefined): PreparedText {
    if (!value) return EMPTY;
    let p = this.urls.get(value);
    if (!p) {
      const s = normalize(value).replace(ORIGIN, '').replace(TRAILING_SLASH, '');
      // `#`, `#!` and `javascript:` links say nothing about which element this is.
      p = s && !NOWHERE.test(s) ? new NormalisedText(s) : EMPTY;
      this.urls.set(value, p);
    }
    return p;
  }
}

/** Classes that make a plain element look like a heading (`div.h3`, `p.card-title`). */
const HEADING_CLASS = /^(h[1-6]|display-[1-6]|(.*[-_])?(title|heading|headline)|lead)$/i;
const HEADING_LIKE_TAGS = new Set(['div', 'p', 'span', 'strong', 'b', 'header', 'legend']);
/** Native form controls: their ARIA widgets (a div with role combobox…) lack name, type and value. */
const NATIVE_CONTROLS = new Set(['input', 'select', 'textarea']);

/**
 * What kind of thing an element is, across tag changes: a heading and a div styled as one,
 * an `a` and a `button`, a native select and its ARIA combobox are each the same family.
 */
function family(tag: string, role: string, type: string, classes: readonly string[] | undefined): string {
  // A checkbox scripted to act as a button (a menu toggle) is still a checkbox to the widget
  // that replaces it.
  if (tag === 'input' && (type === 'checkbox' || type === 'radio')) return 'toggle';
  if (role === 'link' || role === 'button' || role === 'menuitem' || role === 'tab') return 'click';
  if (role === 'heading') return 'heading';
  if (role === 'textbox' || role === 'combobox' || role === 'searchbox' || role === 'listbox') return 'field';
  if (role === 'checkbox' || role === 'radio' || role === 'switch') return 'toggle';
  if (!role && HEADING_LIKE_TAGS.has(tag) && classes?.some((c) => HEADING_CLASS.test(c))) return 'heading';
  return tag === 'img' ? 'img' : 'block';
}

class Prepared implements Features {
  readonly tag: string;
  readonly family: string;
  readonly role: string;
  readonly type: string;
  readonly id: string;
  readonly name: string;
  readonly testIds: readonly string[];
  readonly path: readonly string[];
  readonly positions: readonly number[];
  readonly stepCount: number;
  readonly bbox: BoundingBox | null;
  readonly visible: boolean;
  readonly place: Place | null;
  private idTokenSet: ReadonlySet<string> | null = null;
  private nameTokenSet: ReadonlySet<string> | null = null;
  private classSet: ReadonlySet<string> | null = null;
  private accessible: PreparedText | null = null;
  private pathSimilarities: Map<readonly string[], number> | null = null;

  constructor(
    private readonly source: FeatureSource,
    private readonly cache: TextCache,
  ) {
    this.tag = source.tag;
    this.role = source.role ?? '';
    this.family = family(this.tag, this.role, source.type ?? '', source.classes);
    this.type = source.type ?? '';
    this.id = source.id ?? '';
    this.name = source.name ?? '';
    this.testIds = source.testIds ?? [];
    this.path = source.path ?? [];
    this.positions = source.positions ?? NO_POSITIONS;
    this.stepCount = source.positions ? this.path.length : 0;
    this.bbox = source.bbox ?? null;
    this.visible = source.visible ?? true;
    const c = source.context;
    this.place = c
      ? {
          landmarks: c.landmarks,
          headings: c.headings,
          form: c.form ?? '',
          containers: c.container ? [c.container] : [],
          ...(c.groups ? { groups: c.groups } : {}),
        }
      : source.landmarks && source.headings
        ? {
            landmarks: source.landmarks,
            headings: source.headings,
            form: source.form ?? '',
            containers: source.containers ?? [],
            ...(source.groups ? { groups: source.groups } : {}),
          }
        : null;
  }

  get idTokens(): ReadonlySet<string> {
    return (this.idTokenSet ??= identifierTokens(this.id));
  }
  get nameTokens(): ReadonlySet<string> {
    return (this.nameTokenSet ??= identifierTokens(this.name));
  }
  get classes(): ReadonlySet<string> {
    return (this.classSet ??= new Set(this.source.classes ?? []));
  }
  /** Whether one of this element's classes is in `classes`. */
  sharesClassWith(classes: ReadonlySet<string>): boolean {
    for (const c of this.source.classes ?? []) if (classes.has(c)) return true;
    return false;
  }
  get text(): PreparedText {
    return this.cache.text(this.source.text);
  }
  get accessibleName(): PreparedText {
    return (this.accessible ??= this.nameOf());
  }
  private nameOf(): PreparedText {
    const s = this.source;
    const clickable = this.role === 'button' || this.role === 'link';
    return this.cache.text(
      s.ariaLabel ||
        s.labelText ||
        s.text ||
        (clickable ? s.value : '') ||
        s.alt ||
        s.title ||
        s.placeholder ||
        '',
    );
  }
  get ariaLabel(): PreparedText {
    return this.cache.text(this.source.ariaLabel);
  }
  get placeholder(): PreparedText {
    return this.cache.text(this.source.placeholder);
  }
  get title(): PreparedText {
    return this.cache.text(this.source.title);
  }
  get alt(): PreparedText {
    return this.cache.text(this.source.alt);
  }
  get href(): PreparedText {
    return this.cache.url(this.source.href);
  }
  get src(): PreparedText {
    return this.cache.url(this.source.src);
  }
  get value(): PreparedText {
    return this.cache.text(this.source.value);
  }
  get labelText(): PreparedText {
    return this.cache.text(this.source.labelText);
  }
  get parentText(): PreparedText {
    return this.cache.text(this.source.parentText);
  }
  get prevText(): PreparedText {
    return this.cache.text(this.source.prevText);
  }
  get nextText(): PreparedText {
    return this.cache.text(this.source.nextText);
  }
  get headingText(): PreparedText {
    return this.cache.text(this.source.headingText);
  }
  get landmark(): string {
    return this.cache.text(this.source.landmark).s;
  }
  /** `sequenceSimilarity` of this path and another; siblings of one tag share their path array. */
  pathSimilarity(other: readonly string[]): number {
    const known = (this.pathSimilarities ??= new Map());
    let sim = known.get(other);
    if (sim === undefined) {
      sim = sequenceSimilarity(this.path, other);
      known.set(other, sim);
    }
    return sim;
  }
}

/** Prepares a fingerprint, look-alike or snapshot for `similarity`. */
export function prepare(source: FeatureSource, cache: TextCache = new TextCache()): Features {
  return new Prepared(source, cache);
}

const NO_POSITIONS: readonly number[] = [];

/**
 * An element's positional path read from the element up: level k (0 the element itself) is
 * the step `tag:position` at `path[stepCount - 1 - k]`. Compared where it lies, never written
 * out as strings (one array of them per candidate was a tenth of a heal's garbage).
 */
export interface Steps {
  readonly path: readonly string[];
  readonly positions: readonly number[];
  readonly stepCount: number;
}

/** Whether level `k` of `a` is level `j` of `b`: the same tag at the same position. */
function sameStep(a: Steps, k: number, b: Steps, j: number): boolean {
  if (k >= a.stepCount || j >= b.stepCount) return false;
  const x = a.stepCount - 1 - k;
  const y = b.stepCount - 1 - j;
  return a.path[x] === b.path[y] && (a.positions[x] ?? 0) === (b.positions[y] ?? 0);
}

/** Whether level `k` of `a` and level `j` of `b` have the same tag, whatever their positions. */
function sameTag(a: Steps, k: number, b: Steps, j: number): boolean {
  return a.path[a.stepCount - 1 - k] === b.path[b.stepCount - 1 - j];
}

const POSITION_WEIGHTS = Array.from({ length: 256 }, (_, k) => 1 / (k + 1));

/**
 * Agreement of the recorded positional path `a` with a candidate's `b`, the level k steps up
 * weighing 1/(k+1). A wrapper put around the candidate shifts every level above it by one:
 * when `b` is one level deeper, the paths are also compared across that level (a miss), the
 * element under it by tag alone (it is the first in its new wrapper, whatever its place was).
 */
export function positionSimilarity(a: Steps, b: Steps): number {
  let num = 0;
  let den = 0;
  const n = Math.max(a.stepCount, b.stepCount);
  for (let k = 0; k < n; k++) {
    const w = POSITION_WEIGHTS[k] ?? 0;
    den += w;
    if (sameStep(a, k, b, k)) num += w;
  }
  if (den === 0) return 1;
  if (b.stepCount === a.stepCount + 1) num = Math.max(num, acrossWrapper(a, b));
  return num / den;
}

/**
 * The weighted agreement of `wrapped` with `recorded` (one level shorter) when one level of
 * `wrapped` above the element is taken for an added wrapper, at the level where that agrees best.
 */
function acrossWrapper(recorded: Steps, wrapped: Steps): number {
  const weight = (k: number): number => POSITION_WEIGHTS[k] ?? 0;
  // Levels above the wrapper compare with the level below them in the recording.
  let shifted = 0;
  for (let k = 2; k < wrapped.stepCount; k++) if (sameStep(wrapped, k, recorded, k - 1)) shifted += weight(k);
  let below = 0;
  let best = 0;
  for (let j = 1; j < wrapped.stepCount; j++) {
    if (j > 1 && sameStep(wrapped, j, recorded, j - 1)) shifted -= weight(j);
    const inWrapper = sameTag(wrapped, j - 1, recorded, j - 1) ? weight(j - 1) : 0;
    best = Math.max(best, below + inWrapper + shifted);
    if (sameStep(wrapped, j - 1, recorded, j - 1)) below += weight(j - 1);
  }
  return best;
}

/** `jaccard` of the two class sets; a candidate sharing no class scores 0 without a set of its own. */
function classSimilarity(fp: Features, c: Features): number {
  if (c instanceof Prepared && !c.sharesClassWith(fp.classes)) return 0;
  return jaccard(fp.classes, c.classes);
}

function identifierSimilarity(
  a: string,
  at: ReadonlySet<string>,
  b: string,
  bt: ReadonlySet<string>,
): number {
  if (a === b) return 1;
  if (!b) return 0;
  return 0.5 * dice(at, bt);
}

function textSim(a: PreparedText, b: PreparedText): number {
  // textSimilarity's own order: equal and empty texts need no words.
  if (a.s === b.s) return 1;
  if (!a.s || !b.s) return 0;
  return a instanceof NormalisedText ? a.similarityTo(b) : textSimilarity(a.s, a.w, b.s, b.w);
}

const QUERY = /[?#].*$/;
const DIRECTORY = /^.*\//;

function urlSim(a: PreparedText, b: PreparedText): number {
  if (a.s === b.s) return 1;
  if (!a.s || !b.s) return 0;
  const bare = (u: string): string => u.replace(QUERY, '');
  if (bare(a.s) === bare(b.s)) return 0.8;
  const last = (u: string): string => bare(u).replace(DIRECTORY, '');
  return last(a.s) && last(a.s) === last(b.s) ? 0.5 : 0;
}

function testIdSimilarity(a: readonly string[], b: readonly string[]): number {
  let best = 0;
  for (const x of a) {
    for (const y of b) {
      if (x === y) return 1;
      if (x.slice(x.indexOf('=')) === y.slice(y.indexOf('='))) best = 0.8;
    }
  }
  return best;
}

function boxSimilarity(a: BoundingBox, b: BoundingBox): number {
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  const near = Math.max(0, 1 - Math.sqrt(dx * dx + dy * dy) / 400);
  const areaA = Math.max(1, a.width * a.height);
  const areaB = Math.max(1, b.width * b.height);
  return 0.7 * near + 0.3 * (Math.min(areaA, areaB) / Math.max(areaA, areaB));
}

/** Weighted similarity of a candidate to the fingerprint, in [0, 1]. */
export function similarity(fp: Features, c: Features, w: Weights = DEFAULT_WEIGHTS): number {
  return similarityParts(fp, c, w).score;
}

export interface SimilarityParts {
  /** Over every feature: what the heal decides on. */
  readonly score: number;
  /** Over the element's own attributes only, context and position left out. */
  readonly intrinsic: number;
  /** Over its surroundings only: neighbouring texts, heading, landmark, path, position. */
  readonly context: number;
}

/** Receives every feature that counts: its weight and similarity. For explaining scores. */
export type Trace = (feature: keyof Weights, weight: number, similarity: number) => void;

/** Weighted sums over a group of features: `num / den` is the group's similarity. */
export interface Sums {
  readonly num: number;
  readonly den: number;
}

export function similarityParts(fp: Features, c: Features, w: Weights = DEFAULT_WEIGHTS): SimilarityParts {
  return combine(intrinsicSums(fp, c, w), contextSums(fp, c, w), c.visible);
}

export function combine(intrinsic: Sums, context: Sums, visible: boolean): SimilarityParts {
  const den = intrinsic.den + context.den;
  const visibility = visibilityFactor(visible);
  return {
    score: den === 0 ? 0 : (visibility * (intrinsic.num + context.num)) / den,
    intrinsic: intrinsic.den === 0 ? 0 : (visibility * intrinsic.num) / intrinsic.den,
    context: context.den === 0 ? 0 : context.num / context.den,
  };
}

/**
 * The most `combine` can score a candidate with these intrinsic sums, whatever its context
 * adds (at most `ceiling`, from `contextCeiling`): what branch and bound orders candidates by.
 */
export function scoreBound(intrinsic: Sums, ceiling: number, visible: boolean): number {
  return (visibilityFactor(visible) * (intrinsic.num + ceiling)) / (intrinsic.den + ceiling || 1);
}

/** A hidden element scores a tenth lower than the same element visible. */
function visibilityFactor(visible: boolean): number {
  return visible ? 1 : 0.9;
}

/**
 * `Sums` as they are added up: one object per comparison (closures over two running totals
 * were five, and a heal compares a thousand candidates or more).
 */
class Summing implements Sums {
  num = 0;
  den = 0;
  constructor(private readonly trace: Trace | undefined) {}

  add(weight: number, s: number, name: keyof Weights): void {
    this.num += weight * s;
    this.den += weight;
    this.trace?.(name, weight, s);
  }

  /** Counts only where the fingerprint has the text. */
  optional(weight: number, a: PreparedText, b: PreparedText, name: keyof Weights): void {
    if (a.s) this.add(weight, textSim(a, b), name);
  }

  /** The same, against the candidate's accessible name where it lacks the text (it moved there). */
  orName(weight: number, a: PreparedText, b: PreparedText, c: Features, name: keyof Weights): void {
    if (a.s) this.add(weight, b.s ? textSim(a, b) : textSim(a, c.accessibleName), name);
  }
}

/** The element's own attributes. */
export function intrinsicSums(fp: Features, c: Features, w: Weights = DEFAULT_WEIGHTS, trace?: Trace): Sums {
  const sums = new Summing(trace);
  sums.add(w.tag, fp.tag === c.tag ? 1 : fp.family === c.family ? 0.6 : 0, 'tag');
  if (fp.role || c.role) sums.add(w.role, fp.role === c.role ? 1 : fp.family === c.family ? 0.5 : 0, 'role');
  // A native control restyled as an ARIA widget keeps its role and label, never its
  // name, type or value: their absence is no evidence against it.
  const widget =
    fp.tag !== c.tag && fp.family === c.family && NATIVE_CONTROLS.has(fp.tag) && !NATIVE_CONTROLS.has(c.tag);
  if (fp.id && !(widget && !c.id))
    sums.add(w.id, identifierSimilarity(fp.id, fp.idTokens, c.id, c.idTokens), 'id');
  if (fp.name && !(widget && !c.name))
    sums.add(w.name, identifierSimilarity(fp.name, fp.nameTokens, c.name, c.nameTokens), 'name');
  if (fp.type && !(widget && !c.type)) sums.add(w.type, fp.type === c.type ? 1 : 0, 'type');
  if (fp.testIds.length > 0) sums.add(w.testId, testIdSimilarity(fp.testIds, c.testIds), 'testId');
  if (fp.classes.size > 0) sums.add(w.classes, classSimilarity(fp, c), 'classes');
  // An icon button that gained a text label (or lost it) keeps its accessible name: the
  // name moved between text, aria-label and title, it did not change.
  const named = fp.accessibleName.s !== '' && c.accessibleName.s !== '';
  // A textarea's text is its value, which a widget that replaced it need not show.
  const valueText = widget && fp.tag === 'textarea' && !c.text.s;
  const nameIsValue = valueText && !fp.ariaLabel.s && !fp.labelText.s;
  if ((fp.text.s || c.text.s) && !valueText)
    sums.add(
      w.text,
      named && (!fp.text.s || !c.text.s)
        ? textSim(fp.accessibleName, c.accessibleName)
        : textSim(fp.text, c.text),
      'text',
    );
  if ((fp.accessibleName.s || c.accessibleName.s) && !nameIsValue)
    sums.add(w.accessibleName, textSim(fp.accessibleName, c.accessibleName), 'accessibleName');
  sums.orName(w.ariaLabel, fp.ariaLabel, c.ariaLabel, c, 'ariaLabel');
  if (!(widget && !c.placeholder.s))
    sums.optional(w.placeholder, fp.placeholder, c.placeholder, 'placeholder');
  sums.orName(w.title, fp.title, c.title, c, 'title');
  sums.optional(w.alt, fp.alt, c.alt, 'alt');
  if (!(widget && !c.value.s)) sums.optional(w.value, fp.value, c.value, 'value');
  labelled(w.labelText, fp.labelText, c, sums);
  // A link that became a button (same family, another tag) cannot carry its href any more.
  const retagged = fp.tag !== c.tag && fp.family === c.family && !c.href.s;
  if (fp.href.s && !retagged) sums.add(w.href, urlSim(fp.href, c.href), 'href');
  if (fp.src.s) sums.add(w.src, urlSim(fp.src, c.src), 'src');
  return sums;
}

/**
 * The recorded label against the candidate's. A control restyled as a widget, or relabelled
 * in a redesign, often carries its label's text as `aria-label` instead of a `<label for>`:
 * the name is the same, only where it is written moved.
 */
function labelled(weight: number, label: PreparedText, c: Features, sums: Summing): void {
  if (!label.s) return;
  sums.add(weight, textSim(label, c.labelText.s || !c.ariaLabel.s ? c.labelText : c.ariaLabel), 'labelText');
}

/** Where the element is: neighbouring texts, landmark, path, position, box. */
export function contextSums(fp: Features, c: Features, w: Weights = DEFAULT_WEIGHTS, trace?: Trace): Sums {
  const sums = new Summing(trace);
  sums.optional(w.parentText, fp.parentText, c.parentText, 'parentText');
  sums.optional(w.siblingText, fp.prevText, c.prevText, 'siblingText');
  sums.optional(w.siblingText, fp.nextText, c.nextText, 'siblingText');
  sums.optional(w.headingText, fp.headingText, c.headingText, 'headingText');
  if (fp.landmark || c.landmark) {
    sums.add(
      w.landmark,
      fp.landmark === c.landmark ? 1 : fp.landmark.split(':')[0] === c.landmark.split(':')[0] ? 0.7 : 0,
      'landmark',
    );
  }
  sums.add(
    w.path,
    fp instanceof Prepared ? fp.pathSimilarity(c.path) : sequenceSimilarity(fp.path, c.path),
    'path',
  );
  if (fp.stepCount > 0) sums.add(w.position, positionSimilarity(fp, c), 'position');
  if (fp.bbox && c.bbox) sums.add(w.bbox, boxSimilarity(fp.bbox, c.bbox), 'bbox');
  return sums;
}

/** The most weight `contextSums` can put in its denominator for this fingerprint. */
export function contextCeiling(fp: Features, w: Weights = DEFAULT_WEIGHTS): number {
  return (
    (fp.parentText.s ? w.parentText : 0) +
    (fp.prevText.s ? w.siblingText : 0) +
    (fp.nextText.s ? w.siblingText : 0) +
    (fp.headingText.s ? w.headingText : 0) +
    w.landmark +
    w.path +
    (fp.stepCount > 0 ? w.position : 0) +
    (fp.bbox ? w.bbox : 0)
  );
}
