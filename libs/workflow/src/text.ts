import { parseDocument } from 'yaml';
import type { ParseWorkflowResult, Problem } from './contract';
import { parseWorkflow } from './validate';

/** Largest workflow text accepted, in characters. */
export const MAX_WORKFLOW_TEXT = 5_000_000;

/**
 * Parses workflow text (JSON, or YAML) and validates it. Syntax errors and duplicate
 * keys are problems at `line <l>, column <c>`. The format defaults to JSON when the text
 * starts with `{`, else YAML.
 */
export function parseWorkflowText(text: string, format?: 'json' | 'yaml'): ParseWorkflowResult {
  if (typeof text !== 'string')
    return { ok: false, problems: [{ path: '', message: 'workflow text must be a string' }] };
  if (text.length > MAX_WORKFLOW_TEXT)
    return {
      ok: false,
      problems: [{ path: '', message: `workflow text longer than ${MAX_WORKFLOW_TEXT} characters` }],
    };
  const kind = format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  // The YAML parser also reads JSON; it is used for both to locate errors and to catch
  // duplicate keys, which JSON.parse would silently drop.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problems: Problem[] = doc.errors.map((error) => {
    const at = error.linePos?.[0];
    return { path: at ? `line ${at.line}, column ${at.col}` : '', message: firstLine(error.message) };
  });
  let value: unknown;
  if (kind === 'json') {
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      // JSON's own message, at the place the YAML parser located (JSON.parse often gives none).
      const message = firstLine((error as Error).message);
      const path = problems[0]?.path || jsonErrorPath(text, message);
      return {
        ok: false,
        problems: [{ path, message: message.length > 200 ? `${message.slice(0, 197)}...` : message }],
      };
    }
  } else if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (error) {
      problems.push({ path: '', message: firstLine((error as Error).message) });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return parseWorkflow(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function jsonErrorPath(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1])).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}
