import type { Features } from './score';

/** Landmarks a target does not drift into unnoticed: a copy there is a copy. */
const OUTLYING = new Set(['contentinfo', 'complementary', 'search', 'form', 'dialog']);
/** Context disagreement from which a candidate is another element, however similar. */
export const CONFLICT = 1.5;
/** Context disagreement that rules a close rival out when the best agrees fully (ADR 47). */
export const CONTEXT_LEAD = 1;
/** Surroundings this unlike the recorded ones make a candidate a copy elsewhere, not the target. */
export const STRANGER = 0.35;

/**
 * Which of the fingerprint's surroundings still exist on the page: a candidate outside a
 * heading or landmark that is still there is somewhere else than the target was (ADR 47).
 */
export class PageContext {
  private readonly headings = new Set<string>();
  /** Every heading of the candidates' outlines: the sections still on the page. */
  private readonly sections = new Set<string>();
  /** Some candidate sits outside every form: the page is not one form as a whole. */
  private outsideForms = false;
  private readonly landmarks = new Set<string>();
  private readonly forms = new Set<string>();
  private readonly containers = new Set<string>();
  /** Every label heading a list some candidate sits in: the menu groups still on the page. */
  private readonly groups = new Set<string>();

  constructor(features: readonly Features[]) {
    for (const f of features) {
      for (const g of f.place?.groups ?? []) this.groups.add(g);
      this.headings.add(f.headingText.s);
      this.landmarks.add(f.landmark);
      if (f.place?.form) this.forms.add(f.place.form);
      else if (f.place) this.outsideForms = true;
      for (const h of f.place?.headings ?? []) this.sections.add(h);
      for (const c of f.place?.containers ?? []) this.containers.add(c);
    }
  }

  /**
   * How strongly a candidate's surroundings contradict the recorded ones: 1 for leaving a
   * heading or landmark that is still on the page, ½ for entering an outlying landmark (a
   * footer, a side rail, a search box, a form) the target was not in. With the context a
   * version 2 fingerprint records: 1½ for leaving the target's form or its id'd container
   * while that is still on the page, 1½ for entering a form from outside any while the page
   * is not one form as a whole (½ when it is), ½ for an outlying landmark anywhere around the
   * candidate; 1½, not 1, for leaving every landmark the target sat in for one of another role.
   */
  conflict(fp: Features, c: Features): number {
    let d = 0;
    if (fp.headingText.s && c.headingText.s !== fp.headingText.s && this.headings.has(fp.headingText.s))
      d += 1;
    let enteredOutlying = false;
    if (fp.landmark !== c.landmark) {
      const wasRole = fp.landmark.split(':')[0];
      const isRole = c.landmark.split(':')[0];
      if (wasRole && this.landmarks.has(fp.landmark))
        d += isRole && isRole !== wasRole ? (leftEveryLandmark(fp, c) ? CONFLICT : 1) : 0.5;
      else if (!wasRole && OUTLYING.has(isRole)) {
        d += 0.5;
        enteredOutlying = true;
      }
    }
    const was = fp.place;
    const is = c.place;
    if (!was || !is) return d;
    let form = 0;
    if (was.form !== is.form && was.form && this.forms.has(was.form)) form = CONFLICT;
    else if (!was.form && is.form) form = this.outsideForms ? CONFLICT : 0.5;
    const container = was.containers[0];
    const left = container && !is.containers.includes(container) && this.containers.has(container);
    d += Math.max(form, left ? CONFLICT : 0);
    const outlying = is.landmarks.some((l) => {
      const role = l.split(':')[0];
      return OUTLYING.has(role) && !was.landmarks.some((w) => w.split(':')[0] === role);
    });
    // Left its landmark *and* entered an outlying one: a footer, a side rail, a search box.
    if (outlying && !enteredOutlying) d += 0.5;
    return d;
  }

  /**
   * The candidate is under another section than the target: its nearest heading is not the
   * recorded one, which is still on the page, and its outline differs above that heading too,
   * at a section heading the page still has (the target's section is there, the candidate is
   * in another one; ADR 115).
   */
  leftSection(fp: Features, c: Features): boolean {
    if (!fp.headingText.s || c.headingText.s === fp.headingText.s || !this.headings.has(fp.headingText.s))
      return false;
    const was = fp.place?.headings ?? [];
    const is = c.place?.headings ?? [];
    return was.slice(0, -1).some((h, i) => is[i] !== h && this.sections.has(h));
  }

  /**
   * The candidate sits in another menu group than the target (fingerprint version 3): it left
   * the group the target was in while that group is still on the page (a sibling submenu, the
   * next column of a mega menu), or it went down into the submenu of another entry of the
   * target's list. A menu regrouped under a new entry in the target's own slot is neither:
   * the candidate's path meets the recorded one down to the target's item (ADR 120).
   */
  leftGroup(fp: Features, c: Features): boolean {
    const was = fp.place?.groups;
    const is = c.place?.groups;
    if (!was || !is) return false;
    const own = was.length > 0 ? is.lastIndexOf(was[was.length - 1]) : -1;
    if (was.length > 0 && own < 0) {
      const movedUp = is.length < was.length && is.every((g, i) => was[i] === g);
      return !movedUp && this.groups.has(was[was.length - 1]);
    }
    // In the target's own group (or a new entry's group wrapped around it): deeper down only.
    if (own === is.length - 1 || is.length === 0) return false;
    return divergesAtOrAbove(fp, c, itemIndex(fp.path));
  }
}

/** Index on `path` of the list item the element sits in (its parent when it is in none). */
function itemIndex(path: readonly string[]): number {
  for (let i = path.length - 2; i >= 0; i--) if (path[i] === 'li') return i;
  return path.length - 2;
}

/** The candidate's path leaves the recorded one (by tag or position) at index `at` or above. */
function divergesAtOrAbove(fp: Features, c: Features, at: number): boolean {
  if (fp.positions.length !== fp.path.length) return false;
  for (let i = 0; i <= at; i++)
    if (c.path[i] !== fp.path[i] || c.positions[i] !== fp.positions[i]) return true;
  return false;
}

/** Not one of the landmarks the target sat in (by role) is around the candidate: a side rail's element now in the main content. */
function leftEveryLandmark(fp: Features, c: Features): boolean {
  const roles = (fp.place?.landmarks ?? [fp.landmark]).map((l) => l.split(':')[0]);
  return (c.place?.landmarks ?? [c.landmark]).every((l) => !roles.includes(l.split(':')[0]));
}
