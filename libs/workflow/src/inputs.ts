import type { Problem } from './contract';
import type { InputDefinition } from './format';
import { pathOf } from './paths';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

function isValidDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = [
    31,
    y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export interface InputCheckOptions {
  /**
   * More values come later (a webhook's body at each delivery): a required input absent from the
   * values given is no problem. Default false.
   */
  readonly open?: boolean;
}

/** Checks one value against an input definition; returns the problem message or undefined. */
export function checkInputValue(def: InputDefinition, value: unknown): string | undefined {
  switch (def.type) {
    case 'string':
      if (typeof value !== 'string') return `expected string, got ${describe(value)}`;
      if (def.minLength !== undefined && value.length < def.minLength)
        return `must be at least ${def.minLength} characters`;
      if (def.maxLength !== undefined && value.length > def.maxLength)
        return `must be at most ${def.maxLength} characters`;
      if (def.format === 'date' && !isValidDate(value)) return 'must be a date as YYYY-MM-DD';
      if (def.format === 'date-time' && !DATE_TIME.test(value))
        return 'must be an ISO 8601 date-time with a time zone';
      if (def.format === 'email' && !EMAIL.test(value)) return 'must be an e-mail address';
      if (def.format === 'uri' && !URI.test(value)) return 'must be a URI';
      if (def.pattern !== undefined) {
        let re: RegExp;
        try {
          re = new RegExp(def.pattern, 'u');
        } catch {
          return `has an invalid pattern`;
        }
        if (value.length > 10_000 || !re.test(value)) return `must match ${def.pattern}`;
      }
      break;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `expected ${def.type}, got ${describe(value)}`;
      if (def.type === 'integer' && !Number.isInteger(value)) return 'expected integer, got a fraction';
      if (def.minimum !== undefined && value < def.minimum) return `must be >= ${def.minimum}`;
      if (def.maximum !== undefined && value > def.maximum) return `must be <= ${def.maximum}`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return `expected boolean, got ${describe(value)}`;
      break;
    case 'object':
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return `expected object, got ${describe(value)}`;
      break;
    case 'array':
      if (!Array.isArray(value)) return `expected array, got ${describe(value)}`;
      if (def.minLength !== undefined && value.length < def.minLength)
        return `must have at least ${def.minLength} items`;
      if (def.maxLength !== undefined && value.length > def.maxLength)
        return `must have at most ${def.maxLength} items`;
      break;
    default: {
      const _exhaustive: never = def.type;
      return `unknown input type ${String(_exhaustive)}`;
    }
  }
  if (def.enum !== undefined && !def.enum.some((e) => e === value))
    return `must be one of ${def.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  return undefined;
}

/**
 * Checks given values against input definitions. Unknown names, missing required
 * values and values of the wrong type are problems at `inputs.<name>`.
 */
export function checkInputs(
  definitions: Readonly<Record<string, InputDefinition>> | undefined,
  values: Readonly<Record<string, unknown>>,
  prefix = 'inputs',
  { open = false }: InputCheckOptions = {},
): Problem[] {
  const defs = definitions ?? {};
  const problems: Problem[] = [];
  if (values === null || typeof values !== 'object' || Array.isArray(values))
    return [{ path: prefix, message: 'expected an object of input values' }];
  for (const [name, def] of Object.entries(defs)) {
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (value === undefined) {
      if (def.required && def.default === undefined && !open)
        problems.push({ path: pathOf(prefix, name), message: 'required' });
      continue;
    }
    const message = checkInputValue(def, value);
    if (message) problems.push({ path: pathOf(prefix, name), message });
  }
  for (const name of Object.keys(values)) {
    if (!Object.prototype.hasOwnProperty.call(defs, name))
      problems.push({ path: pathOf(prefix, name), message: 'unknown input' });
  }
  return problems;
}

/** Given values with defaults filled in for absent inputs. */
export function withInputDefaults(
  definitions: Readonly<Record<string, InputDefinition>> | undefined,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(definitions ?? {})) {
    const given = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    const value = given === undefined ? def.default : given;
    if (value !== undefined) out[name] = value;
  }
  return out;
}
