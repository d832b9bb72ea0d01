import { createContext, Script } from 'node:vm';
import { NodeParamsError } from '../errors';

export const REGEX_LIMITS = {
  /** Characters of input searched; longer input is refused rather than cut. */
  maxInputLength: 1_000_000,
  maxPatternLength: 2_000,
  maxMatches: 10_000,
  /**
   * Wall time one search may take before it is stopped (catastrophic backtracking, which runs for
   * minutes). Wall time counts a loaded robot's waits too: at 250 ms an ordinary search failed
   * once in CI at load 10.
   */
  timeoutMs: 1_000,
} as const;

export interface RegexResult {
  /** Whole matches: every match with the `g` flag, otherwise the first (or none). */
  matches: string[];
  /** Named groups of the first match. */
  groups: Record<string, string | null>;
  /** Numbered groups (`$1`…) of each match, in match order. */
  captures: (string | null)[][];
}

// Runs inside a separate V8 context so that `timeout` can interrupt a backtracking search;
// the result crosses back as JSON, never as objects of the other realm.
const SEARCH = new Script(`(() => {
  const re = new RegExp(input.pattern, input.flags);
  const found = re.global ? [...input.text.matchAll(re)].slice(0, input.maxMatches) : [re.exec(input.text)].filter(Boolean);
  const groups = {};
  for (const [name, value] of Object.entries((found[0] && found[0].groups) || {})) groups[name] = value === undefined ? null : value;
  return JSON.stringify({
    matches: found.map((m) => m[0]),
    groups,
    captures: found.map((m) => m.slice(1).map((value) => (value === undefined ? null : value))),
  });
})()`);

const sandbox = createContext({ input: undefined });

export function searchRegex(text: string, pattern: string, flags = ''): RegexResult {
  if (text.length > REGEX_LIMITS.maxInputLength) {
    throw new NodeParamsError(
      `text is ${text.length} characters; data.regex searches at most ${REGEX_LIMITS.maxInputLength}`,
    );
  }
  if (pattern.length > REGEX_LIMITS.maxPatternLength) {
    throw new NodeParamsError(`pattern is longer than ${REGEX_LIMITS.maxPatternLength} characters`);
  }
  if (!/^[dgimsuvy]*$/.test(flags) || new Set(flags).size !== flags.length) {
    throw new NodeParamsError(`flags "${flags}" are not valid regular expression flags`);
  }
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    throw new NodeParamsError(`pattern is not a valid regular expression: ${(error as Error).message}`, {
      cause: error,
    });
  }
  sandbox['input'] = { text, pattern, flags, maxMatches: REGEX_LIMITS.maxMatches };
  try {
    return JSON.parse(
      SEARCH.runInContext(sandbox, { timeout: REGEX_LIMITS.timeoutMs }) as string,
    ) as RegexResult;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new NodeParamsError(
        `pattern took longer than ${REGEX_LIMITS.timeoutMs} ms on this text (catastrophic backtracking?)`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    sandbox['input'] = undefined;
  }
}
