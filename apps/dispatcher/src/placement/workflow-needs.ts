import type { WorkflowNeeds } from './placement';

/**
 * Scans a workflow document (and its subflows) for node types that need something of the
 * robot: `browser.*` a browser engine, `desktop.*` a desktop session.
 */
export function needsOf(definition: unknown): WorkflowNeeds {
  const types = new Set<string>();
  collectTypes(definition, types, 0);
  const all = [...types];
  return {
    browser: all.some((type) => type.startsWith('browser.')),
    desktop: all.some((type) => type.startsWith('desktop.')),
  };
}

function collectTypes(value: unknown, into: Set<string>, depth: number): void {
  if (depth > 20 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectTypes(item, into, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  if (typeof record['type'] === 'string' && typeof record['id'] === 'string') into.add(record['type']);
  for (const key of ['nodes', 'subflows']) collectTypes(record[key], into, depth + 1);
}
