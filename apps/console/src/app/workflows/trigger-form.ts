/** A workflow input as its definition declares it (`inputs.<name>`). */
export interface InputSpec {
  readonly type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  readonly required?: boolean;
  readonly default?: unknown;
  readonly enum?: readonly (string | number | boolean)[];
  readonly format?: 'date' | 'date-time' | 'email' | 'uri';
  readonly description?: string;
}

/** One field of the trigger form. */
export interface InputField {
  readonly name: string;
  readonly kind: 'text' | 'number' | 'checkbox' | 'select' | 'json' | 'date' | 'email' | 'url';
  readonly type: NonNullable<InputSpec['type']>;
  readonly required: boolean;
  readonly options: readonly string[];
  readonly description?: string;
  /** The starting value as the form holds it (text, or "true"/"false"). */
  readonly initial: string;
}

/**
 * The form's fields: required ones first, then by name (the stored definition, a PostgreSQL
 * `jsonb`, does not keep the order its inputs were written in).
 */
export function inputFields(inputs: Readonly<Record<string, InputSpec>> | undefined): InputField[] {
  const entries = Object.entries(inputs ?? {}).sort(
    ([a, specA], [b, specB]) =>
      Number(specB.required === true) - Number(specA.required === true) || a.localeCompare(b),
  );
  return entries.map(([name, spec]) => {
    const type = spec.type ?? 'string';
    const kind: InputField['kind'] = spec.enum
      ? 'select'
      : type === 'boolean'
        ? 'checkbox'
        : type === 'number' || type === 'integer'
          ? 'number'
          : type === 'object' || type === 'array'
            ? 'json'
            : spec.format === 'date'
              ? 'date'
              : spec.format === 'email'
                ? 'email'
                : spec.format === 'uri'
                  ? 'url'
                  : 'text';
    const initial =
      spec.default === undefined
        ? type === 'boolean'
          ? 'false'
          : ''
        : typeof spec.default === 'string'
          ? spec.default
          : JSON.stringify(spec.default);
    return {
      name,
      kind,
      type,
      required: spec.required === true,
      options: (spec.enum ?? []).map(String),
      ...(spec.description ? { description: spec.description } : {}),
      initial,
    };
  });
}

/**
 * The trigger's variables from what the form holds, typed as the inputs declare; every problem
 * by field. An empty optional field is left out (the workflow's default applies).
 */
export function variablesFrom(
  fields: readonly InputField[],
  values: Readonly<Record<string, string>>,
): { variables: Record<string, unknown>; problems: Record<string, string> } {
  const variables: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const field of fields) {
    const raw = (values[field.name] ?? field.initial).trim();
    if (field.type === 'boolean') {
      variables[field.name] = raw === 'true';
      continue;
    }
    if (raw === '') {
      if (field.required) problems[field.name] = 'required';
      continue;
    }
    switch (field.type) {
      case 'integer':
      case 'number': {
        const value = Number(raw);
        if (!Number.isFinite(value) || (field.type === 'integer' && !Number.isInteger(value)))
          problems[field.name] = field.type === 'integer' ? 'a whole number' : 'a number';
        else variables[field.name] = value;
        break;
      }
      case 'object':
      case 'array':
        try {
          const value: unknown = JSON.parse(raw);
          if (
            field.type === 'array'
              ? Array.isArray(value)
              : value !== null && typeof value === 'object' && !Array.isArray(value)
          )
            variables[field.name] = value;
          else problems[field.name] = `JSON ${field.type === 'array' ? 'array' : 'object'}`;
        } catch {
          problems[field.name] = 'valid JSON';
        }
        break;
      case 'string':
        variables[field.name] = raw;
        break;
    }
  }
  return { variables, problems };
}
