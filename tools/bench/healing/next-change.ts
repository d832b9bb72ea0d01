import { HtmlPage } from '@aether/healing';
import { Rng, fnv1a } from '@aether/testing';
import { render, selectOne, type DomElement } from './dom';
import { TRUTH_ATTR, apply } from './mutations';

/**
 * The change after the one a heal survived: the target's markup re-laid out and restyled
 * (a wrapper around it, a sibling inserted before it, one of its classes renamed), seeded
 * by `key`. What a proposal must survive to be worth patching a workflow with.
 */
export function nextChange(markedHtml: string, key: string): string {
  const doc = HtmlPage.parse(markedHtml).document;
  const target = selectOne<unknown, DomElement>(`[${TRUTH_ATTR}]`, doc);
  const body = selectOne<unknown, DomElement>('body', doc);
  if (!target || !body) return markedHtml;
  const rng = new Rng(fnv1a(`next:${key}`));
  const ctx = { doc, body, rng, vocabulary: ['Details', 'Overview', 'Continue', 'Help', 'More'], target };
  for (const op of ['wrapper', 'sibling-before', 'class-rename'] as const) apply(op, ctx);
  return render(doc);
}
