import type { Fingerprint, HtmlPage } from '@aether/healing';

const quote = (s: string): string => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
const norm = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * The plain fallback chain many RPA tools ship: the recorded selector, else the id, else
 * the name, else the exact text; first match wins, no notion of "not sure".
 * Returns a selector whose first match is the pick, or `null`.
 */
export function baselineHeal(page: HtmlPage, fp: Fingerprint): string | null {
  const tries = [fp.selector];
  if (fp.id) tries.push(`[id=${quote(fp.id)}]`);
  if (fp.name) tries.push(`[name=${quote(fp.name)}]`);
  for (const selector of tries) {
    try {
      if (page.count(selector) > 0) return selector;
    } catch {
      // not CSS css-select understands: fall through to the next rung
    }
  }
  if (fp.text) {
    const text = norm(fp.text);
    const snapshots = page.snapshots();
    const hit =
      snapshots.find((s) => s.tag === fp.tag && norm(s.text) === text) ??
      snapshots.find((s) => norm(s.text) === text);
    if (hit) return hit.selector;
  }
  return null;
}
