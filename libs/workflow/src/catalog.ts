import { z } from 'zod';

/**
 * The node catalog: every node type a workflow may use, with its params schema. This is
 * the contract with the node handlers in `libs/nodes`: a handler receives params that
 * already passed `params` (expressions evaluated) and returns the `outputs` fields.
 */
export interface NodeSpec {
  /** e.g. `browser.click`. */
  readonly type: string;
  readonly category: NodeCategory;
  readonly description: string;
  /**
   * `true` when running the node twice has the same effect as once (reads, waits,
   * setting a field's value). An ambiguous step of an idempotent node is re-run; of
   * any other node it waits for an operator. A workflow node may declare
   * `idempotent: true` or an `idempotencyKey` to opt in.
   */
  readonly idempotent: boolean;
  /** Step timeout when the workflow node sets none, in milliseconds. */
  readonly defaultTimeoutMs: number;
  /** Schema of the resolved params (after expressions are evaluated). */
  readonly params: z.ZodType;
  /** What the step's output holds, e.g. `{ text: string }`. */
  readonly outputs?: string;
  /** Output field names (checked in `steps.<id>.output.<field>` references); absent when open-ended. */
  readonly outputFields?: readonly string[];
  /**
   * `step`: the robot runs it through a handler. `control`: flow the engine plans by
   * itself (if, switch, forEach, while, try, retry, subflow, stopWithError); no robot step.
   */
  readonly kind: 'step' | 'control';
  /** Params that are expressions kept verbatim for the handler (evaluated per item), not templates. */
  readonly deferredParams?: readonly string[];
  /** Params whose string value is an expression the engine evaluates (with or without `{{ }}`). */
  readonly expressionParams?: readonly string[];
  /** Params holding file paths relative to the robot's allowed folder. */
  readonly pathParams?: readonly string[];
  /**
   * Params that must be a secret reference and nothing else (`"{{ secrets.erpDatabase }}"`):
   * credentials such as connection strings never stand in a workflow document, which is
   * stored and shown. The handler receives the value; it never echoes it.
   */
  readonly secretParams?: readonly string[];
  /** Only allowed when the workflow sets `trusted: true`. */
  readonly requiresTrusted?: boolean;
  /** Structural fields of the node itself (beyond params) this type uses. */
  readonly edges?: readonly EdgeField[];
  /** What the robot must have to run it (a browser engine, a desktop session); empty for most. */
  readonly needs: readonly NodeNeed[];
}

/** Something a node type needs of the robot that runs it. */
export type NodeNeed = 'browser' | 'desktop';

export type NodeCategory =
  | 'browser'
  | 'desktop'
  | 'http'
  | 'data'
  | 'file'
  | 'spreadsheet'
  | 'database'
  | 'pdf'
  | 'ocr'
  | 'mail'
  | 'queue'
  | 'control';
/** Node fields that name other nodes. `next` and `onError` are allowed on every node. */
export type EdgeField = 'branches' | 'body' | 'catch' | 'finally';

/** Internal catalog entry: the public spec plus the schema that also accepts templates. */
export interface CatalogEntry extends NodeSpec {
  /** The params schema where any value may instead be a `{{ expression }}` string. */
  readonly staticParams: z.ZodType;
  /** The same, as a union with template strings, for the JSON Schema. */
  readonly jsonSchemaParams: z.ZodType;
  /** Idempotency that depends on params (an HTTP GET is, a POST is not). */
  readonly idempotentFor?: (params: Readonly<Record<string, unknown>>) => boolean;
  /** Timeout that depends on params (a delay lasts at least its `ms`). */
  readonly timeoutFor?: (params: Readonly<Record<string, unknown>>) => number | undefined;
}

type Lift = <T extends z.ZodType>(schema: T) => T;

const TEMPLATE_PATTERN = /\{\{[\s\S]*\}\}/;
const TEMPLATE = z.string().regex(TEMPLATE_PATTERN, 'expected a value or a "{{ expression }}"').meta({
  id: 'template',
  description: 'A string holding a {{ expression }}, evaluated when the step runs.',
});
/** For the JSON Schema: the value, or a template string. */
const liftUnion: Lift = <T extends z.ZodType>(schema: T) => z.union([schema, TEMPLATE]) as unknown as T;
/** For validation: a template passes (checked after evaluation), anything else must satisfy the schema, with its own messages. */
const liftStatic: Lift = <T extends z.ZodType>(schema: T) =>
  z.unknown().superRefine((value, ctx) => {
    if (typeof value === 'string' && TEMPLATE_PATTERN.test(value)) return;
    const result = schema.safeParse(value);
    if (result.success) return;
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          ctx.addIssue({ code: 'custom', message: 'unknown param', path: [...issue.path, key] });
      } else {
        ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
      }
    }
  }) as unknown as T;
const liftNone: Lift = (schema) => schema;

/** A path relative to the robot's allowed folder: not absolute, no `..`, no drive letter. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.includes('\0')) return false;
  if (p.startsWith('/') || p.startsWith('\\') || p.startsWith('~') || /^[A-Za-z]:/.test(p)) return false;
  return !p.split(/[\\/]/).some((segment) => segment === '..');
}

export const RELATIVE_PATH_MESSAGE =
  'must be a path relative to the allowed folder (no absolute path, no "..")';

const relPath = () => z.string().min(1).refine(isSafeRelativePath, RELATIVE_PATH_MESSAGE);
const selector = () => z.string().min(1);
const healing = () => z.enum(['off', 'heal', 'heal-and-pause']).optional();
const coordinate = () => z.number().int().min(0);
const point = (v: Lift) => z.strictObject({ x: v(coordinate()), y: v(coordinate()) });
const httpUrl = () => z.url({ protocol: /^https?$/ });
const scalar = () => z.union([z.string(), z.number(), z.boolean()]);
const image = (v: Lift) => v(z.union([relPath(), z.strictObject({ ref: z.string().min(1) })]));
const sheetName = () =>
  z
    .string()
    .min(1)
    .max(31)
    .regex(/^[^\\/?*[\]:]+$/, 'a sheet name has 1–31 characters and none of \\ / ? * [ ] :');
const sheetRef = () => z.union([sheetName(), z.number().int().min(1)]);
const CELL_RANGE = /^\$?[A-Za-z]{1,3}\$?(\d+)?(:\$?[A-Za-z]{1,3}\$?(\d+)?)?$/;
const cellRange = () =>
  z.string().regex(CELL_RANGE, 'expected an A1 range such as "A1:D20", "B2:F" or "B:D"');
const sheetRows = () =>
  z.array(z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())])).max(100_000);
const pageSpec = () =>
  z
    .string()
    .regex(/^\s*\d+\s*(-\s*\d*\s*)?(,\s*\d+\s*(-\s*\d*\s*)?)*$/, 'expected pages like "1-3,5" or "2-"');
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
/** `a@example.com` or `Name <a@example.com>`. */
const mailbox = () =>
  z
    .string()
    .max(998)
    .refine(
      (m) => EMAIL.test(m.trim()) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>\s*$/.test(m),
      'expected an address like a@example.com or "Name <a@example.com>"',
    );
const mailboxes = () => z.union([mailbox(), z.array(mailbox()).min(1).max(100)]);
/** Checked at run time (the document holds a secret reference): `imaps://user:password@host:993`. */
const imapUrl = () => z.string().regex(/^imaps?:\/\//i, 'expected an imap:// or imaps:// URL');
/** An IMAP mailbox, `/` between levels (`Archive/2026`) whatever the server's own delimiter. */
const mailboxPath = () =>
  z
    .string()
    .min(1)
    .max(1000)
    .refine((m) => !m.split('/').includes(''), 'expected a mailbox like INBOX or Archive/2026');
const uid = () => z.number().int().min(1).max(4_294_967_295);
const uidList = () => z.union([uid(), z.array(uid()).min(1).max(1000)]);
/** IMAP's UIDVALIDITY (a 32-bit number) as mail.fetch returns it, in a string. */
const uidValidity = () => z.string().regex(/^\d{1,10}$/, 'expected the uidValidity mail.fetch returned');
/** Params of a `db.*` node: JSON values bound to `:name` placeholders. */
const sqlParams = () =>
  z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name is a SQL identifier'), z.unknown());
/** Checked at run time (the document holds a secret reference); the message never shows the value. */
const connectionString = () =>
  z
    .string()
    .regex(
      /^(postgres|postgresql|mysql|mariadb):\/\//i,
      'expected a postgres://, postgresql://, mysql:// or mariadb:// connection string',
    );
/**
 * The params of both `db.*` nodes: a connection (a secret reference:
 * `{{ secrets.<name> }}` holding e.g. `postgres://user:pw@host/db`), the SQL with `:name`
 * placeholders, their values, and the most rows the step may return (default 1000; for
 * `db.execute`, rows of a `RETURNING` clause).
 */
const sqlStep = (v: Lift) =>
  z.strictObject({
    connection: v(connectionString()),
    sql: v(z.string().min(1).max(100_000)),
    params: v(sqlParams()).optional(),
    maxRows: v(z.number().int().min(1).max(100_000)).optional(),
  });
/** A work queue's name (`QueueNameSchema` in contracts). */
const queueName = () =>
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'queue names are letters, digits, "_" and "-" (max 64)');
const queueItemId = () =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'an item id as queue.next returned it');
const exactlyOne = (keys: readonly string[]) => (p: Record<string, unknown>) =>
  keys.filter((k) => p[k] !== undefined).length === 1;
const oneOfMessage = (keys: readonly string[]) => ({
  message: `exactly one of ${keys.join(', ')} is required`,
});

/**
 * One node type, declared once: its params schema (`build`), its needs and its
 * idempotency. The robot's handler is bound to it by type with `implement` in
 * `@aether/nodes`, which parses the resolved params with this same schema.
 */
export interface NodeDefinition<T extends string = string, S extends z.ZodType = z.ZodType> extends Omit<
  NodeSpec,
  'type' | 'params' | 'kind' | 'category' | 'needs'
> {
  readonly type: T;
  readonly kind?: 'step' | 'control';
  readonly needs?: readonly NodeNeed[];
  /**
   * The params schema; `v` lifts a value schema so a `{{ template }}` may stand in for it
   * (statically), and is the identity for the run-time schema. Defaults are applied by the
   * handler, so the schema reads the same before and after evaluation.
   */
  readonly build: (v: Lift) => S;
  readonly idempotentFor?: CatalogEntry['idempotentFor'];
  readonly timeoutFor?: CatalogEntry['timeoutFor'];
}

/** Declares a node type (see `NodeDefinition`); the literal type name is kept for `NodeParams`. */
export function defineNode<const T extends string, S extends z.ZodType>(
  definition: NodeDefinition<T, S>,
): NodeDefinition<T, S> {
  return definition;
}

const S = 1000;

const definitions = [
  // ------------------------------------------------------------------ browser
  defineNode({
    type: 'browser.goto',
    needs: ['browser'],
    description: 'Navigate the job page to a URL.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ url: string, status?: number }',
    outputFields: ['url', 'status'],
    build: (v) =>
      z.strictObject({
        url: v(httpUrl()),
        waitUntil: v(z.enum(['load', 'domcontentloaded', 'networkidle', 'commit'])).optional(),
      }),
  }),
  defineNode({
    type: 'browser.click',
    needs: ['browser'],
    description: 'Click an element.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    build: (v) => z.strictObject({ selector: v(selector()), healing: healing() }),
  }),
  defineNode({
    type: 'browser.fill',
    needs: ['browser'],
    description: 'Replace the value of an input or textarea.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) => z.strictObject({ selector: v(selector()), value: v(z.string()), healing: healing() }),
  }),
  defineNode({
    type: 'browser.select',
    needs: ['browser'],
    description: 'Choose an option of a <select> by value or by visible label (exactly one).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z
        .strictObject({
          selector: v(selector()),
          value: v(z.union([z.string(), z.array(z.string())])).optional(),
          label: v(z.union([z.string(), z.array(z.string())])).optional(),
          healing: healing(),
        })
        .refine(exactlyOne(['value', 'label']), oneOfMessage(['value', 'label'])),
  }),
  defineNode({
    type: 'browser.check',
    needs: ['browser'],
    description: 'Set a checkbox or radio button to checked (default) or unchecked.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z.strictObject({ selector: v(selector()), checked: v(z.boolean()).optional(), healing: healing() }),
  }),
  defineNode({
    type: 'browser.press',
    needs: ['browser'],
    description: 'Press a key (Playwright key name, e.g. "Enter"), on an element or the page.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z.strictObject({ selector: v(selector()).optional(), key: v(z.string().min(1)), healing: healing() }),
  }),
  defineNode({
    type: 'browser.hover',
    needs: ['browser'],
    description: 'Move the mouse over an element.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) => z.strictObject({ selector: v(selector()), healing: healing() }),
  }),
  defineNode({
    type: 'browser.waitFor',
    needs: ['browser'],
    description: 'Wait for an element (selector), a text, or a navigation (exactly one).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z
        .strictObject({
          selector: v(selector()).optional(),
          text: v(z.string().min(1)).optional(),
          /** `true`: the page's load state; a string: a URL containing it. */
          navigation: v(z.union([z.boolean(), z.string().min(1)])).optional(),
          state: v(z.enum(['attached', 'detached', 'visible', 'hidden'])).optional(),
          healing: healing(),
        })
        .refine(
          exactlyOne(['selector', 'text', 'navigation']),
          oneOfMessage(['selector', 'text', 'navigation']),
        ),
  }),
  defineNode({
    type: 'browser.extractText',
    needs: ['browser'],
    description: "Read an element's text content.",
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ text: string }',
    outputFields: ['text'],
    build: (v) => z.strictObject({ selector: v(selector()), healing: healing() }),
  }),
  defineNode({
    type: 'browser.extractAttribute',
    needs: ['browser'],
    description: "Read an element's attribute.",
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ value: string | null }',
    outputFields: ['value'],
    build: (v) =>
      z.strictObject({ selector: v(selector()), attribute: v(z.string().min(1)), healing: healing() }),
  }),
  defineNode({
    type: 'browser.extractTable',
    needs: ['browser'],
    description:
      'Read a table (rows of cell texts; objects keyed by header when the table has one), following a next-page link up to maxPages.',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    outputs: '{ rows: string[][] | Record<string, string>[] }',
    outputFields: ['rows'],
    build: (v) =>
      z.strictObject({
        selector: v(selector()),
        nextPageSelector: v(selector()).optional(),
        maxPages: v(z.number().int().min(1).max(1000)).optional(),
        healing: healing(),
      }),
  }),
  defineNode({
    type: 'browser.screenshot',
    needs: ['browser'],
    description: 'Screenshot of the page, stored as an artifact.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ ref: string }',
    outputFields: ['ref'],
    build: (v) => z.strictObject({ fullPage: v(z.boolean()).optional() }),
  }),
  defineNode({
    type: 'browser.download',
    needs: ['browser'],
    description: 'Click an element that starts a download and store the file as an artifact.',
    idempotent: false,
    defaultTimeoutMs: 120 * S,
    outputs: '{ ref: string, fileName: string, size: number }',
    outputFields: ['ref', 'fileName', 'size'],
    build: (v) => z.strictObject({ selector: v(selector()), healing: healing() }),
  }),
  defineNode({
    type: 'browser.upload',
    needs: ['browser'],
    description: 'Set the file of a file input (path relative to the allowed folder).',
    idempotent: true,
    defaultTimeoutMs: 60 * S,
    pathParams: ['file'],
    build: (v) => z.strictObject({ selector: v(selector()), file: v(relPath()), healing: healing() }),
  }),
  defineNode({
    type: 'browser.switchTab',
    needs: ['browser'],
    description: 'Make another tab the job page: by index or by a URL substring (exactly one).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z
        .strictObject({
          index: v(z.number().int().min(0)).optional(),
          urlIncludes: v(z.string().min(1)).optional(),
        })
        .refine(exactlyOne(['index', 'urlIncludes']), oneOfMessage(['index', 'urlIncludes'])),
  }),
  defineNode({
    type: 'browser.switchFrame',
    needs: ['browser'],
    description: 'Work inside an iframe, by selector or by name (exactly one).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z
        .strictObject({
          selector: v(selector()).optional(),
          name: v(z.string().min(1)).optional(),
          healing: healing(),
        })
        .refine(exactlyOne(['selector', 'name']), oneOfMessage(['selector', 'name'])),
  }),
  defineNode({
    type: 'browser.dialog',
    needs: ['browser'],
    description: 'Accept or dismiss the next JavaScript dialog (alert, confirm, prompt).',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z.strictObject({ action: v(z.enum(['accept', 'dismiss'])), promptText: v(z.string()).optional() }),
  }),
  defineNode({
    type: 'browser.evaluate',
    needs: ['browser'],
    description: 'Run JavaScript in the page. Only in workflows marked `trusted: true`.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    requiresTrusted: true,
    outputs: '{ value: unknown }',
    outputFields: ['value'],
    build: (v) => z.strictObject({ script: v(z.string().min(1)) }),
  }),
  // ------------------------------------------------------------------ desktop
  defineNode({
    type: 'desktop.mouseMove',
    needs: ['desktop'],
    description: 'Move the mouse to screen coordinates.',
    idempotent: true,
    defaultTimeoutMs: 10 * S,
    build: (v) => point(v),
  }),
  defineNode({
    type: 'desktop.click',
    needs: ['desktop'],
    description: 'Click at coordinates (or where the mouse is).',
    idempotent: false,
    defaultTimeoutMs: 10 * S,
    build: (v) =>
      z
        .strictObject({
          x: v(coordinate()).optional(),
          y: v(coordinate()).optional(),
          button: v(z.enum(['left', 'right', 'middle'])).optional(),
          double: v(z.boolean()).optional(),
        })
        .refine((p) => (p.x === undefined) === (p.y === undefined), {
          message: 'give both x and y, or neither',
        }),
  }),
  defineNode({
    type: 'desktop.drag',
    needs: ['desktop'],
    description: 'Drag from one point to another.',
    idempotent: false,
    defaultTimeoutMs: 10 * S,
    build: (v) => z.strictObject({ from: point(v), to: point(v) }),
  }),
  defineNode({
    type: 'desktop.type',
    needs: ['desktop'],
    description: 'Type text with the keyboard.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    build: (v) => z.strictObject({ text: v(z.string().max(100_000)) }),
  }),
  defineNode({
    type: 'desktop.keys',
    needs: ['desktop'],
    description: 'Press a key combination, e.g. ["Control", "S"].',
    idempotent: false,
    defaultTimeoutMs: 10 * S,
    build: (v) =>
      z.strictObject({
        keys: v(
          z
            .array(v(z.string().min(1)))
            .min(1)
            .max(8),
        ),
      }),
  }),
  defineNode({
    type: 'desktop.findImage',
    needs: ['desktop'],
    description: 'Find an image on screen.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    pathParams: ['image'],
    outputs: '{ x: number, y: number, width: number, height: number }',
    outputFields: ['x', 'y', 'width', 'height'],
    build: (v) => z.strictObject({ image: image(v), confidence: v(z.number().min(0).max(1)).optional() }),
  }),
  defineNode({
    type: 'desktop.clickImage',
    needs: ['desktop'],
    description: 'Find an image on screen and click its centre.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    pathParams: ['image'],
    build: (v) =>
      z.strictObject({
        image: image(v),
        confidence: v(z.number().min(0).max(1)).optional(),
        button: v(z.enum(['left', 'right', 'middle'])).optional(),
        double: v(z.boolean()).optional(),
      }),
  }),
  defineNode({
    type: 'desktop.waitForImage',
    needs: ['desktop'],
    description: 'Wait until an image appears on screen.',
    idempotent: true,
    defaultTimeoutMs: 60 * S,
    pathParams: ['image'],
    outputs: '{ x: number, y: number, width: number, height: number }',
    outputFields: ['x', 'y', 'width', 'height'],
    build: (v) =>
      z.strictObject({
        image: image(v),
        timeoutMs: v(
          z
            .number()
            .int()
            .min(1)
            .max(3600 * S),
        ),
        confidence: v(z.number().min(0).max(1)).optional(),
      }),
    timeoutFor: (p) => (typeof p['timeoutMs'] === 'number' ? p['timeoutMs'] + 10 * S : undefined),
  }),
  defineNode({
    type: 'desktop.screenshot',
    needs: ['desktop'],
    description: 'Screenshot of the screen, stored as an artifact.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ ref: string }',
    outputFields: ['ref'],
    build: () => z.strictObject({}),
  }),
  // ------------------------------------------------------------------ http
  defineNode({
    type: 'http.request',
    description:
      'An HTTP request. GET, HEAD, OPTIONS, PUT and DELETE count as idempotent; POST and PATCH do not.',
    idempotent: false,
    defaultTimeoutMs: 60 * S,
    outputs: '{ status: number, headers: Record<string, string>, body: string, json?: unknown }',
    outputFields: ['status', 'headers', 'body', 'json'],
    build: (v) =>
      z
        .strictObject({
          /** Default `GET`. */
          method: v(z.enum(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'])).optional(),
          url: v(httpUrl()),
          headers: v(z.record(z.string(), v(z.string()))).optional(),
          query: v(z.record(z.string(), v(z.union([scalar(), z.array(scalar())])))).optional(),
          json: z.unknown().optional(),
          form: v(z.record(z.string(), v(scalar()))).optional(),
          body: v(z.string()).optional(),
          /** Per attempt. */
          timeoutMs: v(
            z
              .number()
              .int()
              .min(1)
              .max(600 * S),
          ).optional(),
          /** Extra attempts after a transient failure; default 2 for idempotent methods, 0 otherwise. */
          retries: v(z.number().int().min(0).max(10)).optional(),
        })
        .refine((p) => [p.json, p.form, p.body].filter((b) => b !== undefined).length <= 1, {
          message: 'give at most one of json, form or body',
        }),
    idempotentFor: (p) => ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(String(p['method'] ?? 'GET')),
    timeoutFor: (p) =>
      typeof p['timeoutMs'] === 'number'
        ? p['timeoutMs'] * (1 + (typeof p['retries'] === 'number' ? p['retries'] : 0)) + 5 * S
        : undefined,
  }),
  // ------------------------------------------------------------------ data
  defineNode({
    type: 'data.set',
    description: 'Set workflow variables (`vars.<name>`); later steps read the new values.',
    idempotent: true,
    defaultTimeoutMs: 5 * S,
    outputs: '{ values: Record<string, unknown> } (the handler echoes params.values)',
    outputFields: ['values'],
    build: (v) => z.strictObject({ values: v(z.record(z.string(), z.unknown())) }),
  }),
  defineNode({
    type: 'data.map',
    description:
      'Map each item through an expression (`item`, `index` in scope); evaluate with `evaluateExpression` from @aether/workflow.',
    idempotent: true,
    defaultTimeoutMs: 10 * S,
    deferredParams: ['expression'],
    outputs: '{ items: unknown[] }',
    outputFields: ['items'],
    build: (v) =>
      z.strictObject({ items: v(z.array(z.unknown()).max(100_000)), expression: z.string().min(1) }),
  }),
  defineNode({
    type: 'data.filter',
    description: 'Keep the items for which an expression is truthy (`item`, `index` in scope).',
    idempotent: true,
    defaultTimeoutMs: 10 * S,
    deferredParams: ['expression'],
    outputs: '{ items: unknown[] }',
    outputFields: ['items'],
    build: (v) =>
      z.strictObject({ items: v(z.array(z.unknown()).max(100_000)), expression: z.string().min(1) }),
  }),
  defineNode({
    type: 'data.csvParse',
    description: 'Parse CSV from text or from a file (exactly one).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    pathParams: ['file'],
    outputs: '{ rows: string[][] | Record<string, string>[] }',
    outputFields: ['rows'],
    build: (v) =>
      z
        .strictObject({
          text: v(z.string()).optional(),
          file: v(relPath()).optional(),
          header: v(z.boolean()).optional(),
          delimiter: v(z.string().length(1)).optional(),
        })
        .refine(exactlyOne(['text', 'file']), oneOfMessage(['text', 'file'])),
  }),
  defineNode({
    type: 'data.csvWrite',
    description: 'Write rows as CSV, to text (always returned) and optionally to a file.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    pathParams: ['file'],
    outputs: '{ text: string, file?: string }',
    outputFields: ['text', 'file'],
    build: (v) =>
      z.strictObject({
        rows: v(z.array(z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())])).max(100_000)),
        file: v(relPath()).optional(),
        header: v(z.array(z.string())).optional(),
      }),
    idempotentFor: (p) => p['file'] === undefined,
  }),
  defineNode({
    type: 'data.jsonParse',
    description: 'Parse JSON text.',
    idempotent: true,
    defaultTimeoutMs: 5 * S,
    outputs: '{ value: unknown }',
    outputFields: ['value'],
    build: (v) => z.strictObject({ text: v(z.string()) }),
  }),
  defineNode({
    type: 'data.jsonStringify',
    description: 'Serialize a value as JSON.',
    idempotent: true,
    defaultTimeoutMs: 5 * S,
    outputs: '{ text: string }',
    outputFields: ['text'],
    build: (v) =>
      z.strictObject({ value: z.unknown(), indent: v(z.number().int().min(0).max(8)).optional() }),
  }),
  defineNode({
    type: 'data.regex',
    description: 'Match a regular expression (the handler bounds its run time).',
    idempotent: true,
    defaultTimeoutMs: 5 * S,
    outputs: '{ match: string | null, groups: (string | null)[], matches: string[] }',
    outputFields: ['match', 'groups', 'matches'],
    build: (v) =>
      z.strictObject({
        text: v(z.string()),
        pattern: v(z.string().min(1).max(1000)),
        flags: v(z.string().regex(/^[gimsuy]*$/)).optional(),
      }),
  }),
  defineNode({
    type: 'data.formatDate',
    description: 'Format a date (ISO string or epoch ms) with a pattern such as "yyyy-MM-dd".',
    idempotent: true,
    defaultTimeoutMs: 5 * S,
    outputs: '{ text: string }',
    outputFields: ['text'],
    build: (v) =>
      z.strictObject({
        date: v(z.union([z.string(), z.number()])),
        format: v(z.string().min(1)),
        /** IANA time zone; default `UTC`. */
        timeZone: v(z.string().min(1)).optional(),
        locale: v(z.string().min(1)).optional(),
      }),
  }),
  defineNode({
    type: 'data.formatNumber',
    description: 'Format a number with Intl.NumberFormat.',
    idempotent: true,
    defaultTimeoutMs: 5 * S,
    outputs: '{ text: string }',
    outputFields: ['text'],
    build: (v) =>
      z.strictObject({
        value: v(z.union([z.number(), z.string().regex(/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/)])),
        /** Default `en-US`. */
        locale: v(z.string().min(1)).optional(),
        options: v(z.record(z.string(), z.unknown())).optional(),
      }),
  }),
  // ------------------------------------------------------------------ file
  defineNode({
    type: 'file.read',
    description: 'Read a file under the allowed folder.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    pathParams: ['path'],
    outputs: '{ content: string, size: number }',
    outputFields: ['content', 'size'],
    build: (v) => z.strictObject({ path: v(relPath()), encoding: v(z.enum(['utf8', 'base64'])).optional() }),
  }),
  defineNode({
    type: 'file.write',
    description: 'Write a file under the allowed folder.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    pathParams: ['path'],
    outputs: '{ path: string, size: number }',
    outputFields: ['path', 'size'],
    build: (v) =>
      z.strictObject({
        path: v(relPath()),
        content: v(z.string()),
        encoding: v(z.enum(['utf8', 'base64'])).optional(),
      }),
  }),
  defineNode({
    type: 'file.move',
    description: 'Move or rename a file under the allowed folder.',
    idempotent: false,
    defaultTimeoutMs: 30 * S,
    pathParams: ['from', 'to'],
    outputs: '{ path: string }',
    outputFields: ['path'],
    build: (v) => z.strictObject({ from: v(relPath()), to: v(relPath()) }),
  }),
  // ------------------------------------------------------------------ spreadsheets
  defineNode({
    type: 'xlsx.read',
    description:
      'Read a sheet (or a range of it) of an .xlsx workbook into rows of typed cells: numbers, booleans, dates as ISO strings, formulas as their last computed values. Streamed; empty rows are skipped.',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs:
      '{ rows: (string | number | boolean | null)[][] | Record<string, string | number | boolean | null>[], count: number, sheet: string, columns?: string[] }',
    outputFields: ['rows', 'count', 'sheet', 'columns'],
    build: (v) =>
      z.strictObject({
        /** A path under the allowed folder, or an artifact reference (`obj://…`). */
        file: v(relPath()),
        /** Name or 1-based position; default the first sheet. */
        sheet: v(sheetRef()).optional(),
        range: v(cellRange()).optional(),
        /** Default `true`: the range's first row names the columns and rows are objects. */
        header: v(z.boolean()).optional(),
        /** More rows fail the step. Default `10000`. */
        maxRows: v(z.number().int().min(1).max(100_000)).optional(),
      }),
  }),
  defineNode({
    type: 'xlsx.findRows',
    description:
      'Find the rows of a sheet whose columns (named by its header row) match every value of `where`. Streamed.',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs: '{ rows: Record<string, unknown>[], rowNumbers: number[], count: number, sheet: string }',
    outputFields: ['rows', 'rowNumbers', 'count', 'sheet'],
    build: (v) =>
      z.strictObject({
        file: v(relPath()),
        sheet: v(sheetRef()).optional(),
        range: v(cellRange()).optional(),
        where: v(
          z
            .record(z.string().min(1), v(z.union([z.string(), z.number(), z.boolean(), z.null()])))
            .refine((w) => Object.keys(w).length > 0, 'give at least one column to match'),
        ),
        /** `exact` (default): equal values; `contains`: the cell's text contains the value, ignoring case. */
        match: v(z.enum(['exact', 'contains'])).optional(),
        /** Matches kept; more are counted but not returned. Default `1000`. */
        limit: v(z.number().int().min(1).max(100_000)).optional(),
      }),
  }),
  defineNode({
    type: 'xlsx.write',
    description:
      'Write rows to a new .xlsx workbook (replacing the file), streamed. Object rows get a bold header row; `{ "formula": "SUM(B2:B9)" }` cells are formulas; ISO date strings become dates.',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs: '{ file: string, sheet: string, count: number }',
    outputFields: ['file', 'sheet', 'count'],
    build: (v) =>
      z.strictObject({
        file: v(relPath()),
        /** Default `Sheet1`. */
        sheet: v(sheetName()).optional(),
        rows: v(sheetRows()),
        /** Column order (object rows), or a header row written before array rows. */
        header: v(z.array(z.string()).max(16_384)).optional(),
        /** Default `true`: strings like `2026-03-01` or `2026-03-01T10:00:00Z` are written as dates. */
        isoDates: v(z.boolean()).optional(),
      }),
  }),
  defineNode({
    type: 'xlsx.appendRows',
    description:
      "Append rows below a sheet's last row, keeping the rest of the workbook (other sheets, styles, formulas); new cells take the style of the row above. Object rows are placed by the header row. Not idempotent: with an `idempotencyKey` on the node it appends once per job, step and key, recorded in a very hidden sheet of the same workbook.",
    idempotent: false,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs:
      '{ file: string, sheet: string, count: number, firstRow: number, lastRow: number, alreadyApplied: boolean }',
    outputFields: ['file', 'sheet', 'count', 'firstRow', 'lastRow', 'alreadyApplied'],
    build: (v) =>
      z.strictObject({
        file: v(relPath()),
        sheet: v(sheetRef()).optional(),
        rows: v(sheetRows()),
        /** The row naming the columns, for object rows. Default `1`. */
        headerRow: v(z.number().int().min(1)).optional(),
        isoDates: v(z.boolean()).optional(),
      }),
  }),
  // ------------------------------------------------------------------ databases
  defineNode({
    type: 'db.query',
    description:
      "Run a SQL query with named parameters (`:name`) on PostgreSQL or MySQL/MariaDB, in a read-only transaction, through the robot's database pool. More than maxRows rows fail the step.",
    idempotent: true,
    defaultTimeoutMs: 60 * S,
    secretParams: ['connection'],
    outputs: '{ rows: Record<string, unknown>[], count: number, columns: string[] }',
    outputFields: ['rows', 'count', 'columns'],
    build: sqlStep,
  }),
  defineNode({
    type: 'db.execute',
    description:
      'Run a SQL statement (INSERT, UPDATE, DELETE, a procedure call) with named parameters (`:name`). Not idempotent: with an `idempotencyKey` on the node it runs once per job, step and key, recorded in `aether_step_ledger` in the same transaction.',
    idempotent: false,
    defaultTimeoutMs: 60 * S,
    secretParams: ['connection'],
    outputs: '{ affectedRows: number, rows: Record<string, unknown>[], alreadyApplied: boolean }',
    outputFields: ['affectedRows', 'rows', 'alreadyApplied'],
    build: sqlStep,
  }),
  // ------------------------------------------------------------------ pdf
  defineNode({
    type: 'pdf.text',
    description:
      'Extract the text of a PDF\'s pages (all, or a range like "1-3,5"), line by line, with pdf.js in a worker thread.',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs:
      '{ text: string, pages: { number: number, text: string, ocrConfidence?: number }[], pageCount: number }',
    outputFields: ['text', 'pages', 'pageCount'],
    build: (v) =>
      z.strictObject({
        /** A path under the allowed folder, or an artifact reference (`obj://…`). */
        file: v(relPath()),
        pages: v(pageSpec()).optional(),
        /** More text fails the step. Default `200000`. */
        maxChars: v(z.number().int().min(1).max(5_000_000)).optional(),
        /**
         * Default `never`. `blank`: pages without a text layer (scans) are rendered and read by
         * OCR (Tesseract, English); `always`: every page is. Such pages carry `ocrConfidence`.
         */
        ocr: v(z.enum(['never', 'blank', 'always'])).optional(),
      }),
  }),
  defineNode({
    type: 'pdf.tables',
    description:
      'Read the ruled tables of a PDF (cells bounded by drawn lines), and with `borderless` tables aligned without rules, into rows of cell texts; with `header`, objects keyed by the first row.',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs: '{ tables: { page: number, rows: string[][] | Record<string, string>[] }[], count: number }',
    outputFields: ['tables', 'count'],
    build: (v) =>
      z.strictObject({
        file: v(relPath()),
        pages: v(pageSpec()).optional(),
        /** Default `false`. */
        header: v(z.boolean()).optional(),
        /** Default `false`: `true` also reads tables drawn without rules (by text alignment) on pages without ruled ones. */
        borderless: v(z.boolean()).optional(),
      }),
  }),
  defineNode({
    type: 'pdf.fill',
    description:
      'Fill the AcroForm fields of a PDF (text, check boxes, radio groups, drop-downs) and save it to `output`, or as an artifact when no output is given.',
    idempotent: true,
    defaultTimeoutMs: 60 * S,
    pathParams: ['file', 'output'],
    outputs: '{ file?: string, ref?: string, filled: number }',
    outputFields: ['file', 'ref', 'filled'],
    build: (v) =>
      z.strictObject({
        file: v(relPath()),
        output: v(relPath()).optional(),
        /** Field name → value: text for text fields, a boolean for check boxes, an option for radio groups and lists. */
        fields: v(z.record(z.string().min(1), v(z.union([z.string(), z.number(), z.boolean(), z.null()])))),
        /** Default `false`: `true` turns the fields into page content (no longer editable). */
        flatten: v(z.boolean()).optional(),
      }),
  }),
  // ------------------------------------------------------------------ ocr
  defineNode({
    type: 'ocr.text',
    description:
      'Read the text of an image (a scan or a photo of a document: PNG, JPEG, TIFF, BMP, WebP, GIF) by OCR with Tesseract (English) in a worker thread, line by line with confidences (0–100).',
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    pathParams: ['file'],
    outputs:
      '{ text: string, confidence: number, lines: { text: string, confidence: number, box: { x0: number, y0: number, x1: number, y1: number } }[] }',
    outputFields: ['text', 'confidence', 'lines'],
    build: (v) =>
      z.strictObject({
        /** A path under the allowed folder, or an artifact reference (`obj://…`). */
        file: v(relPath()),
        /** Read only this part of the image, in pixels. Default: the whole image. */
        rectangle: v(
          z.strictObject({
            left: z.number().int().min(0),
            top: z.number().int().min(0),
            width: z.number().int().min(1),
            height: z.number().int().min(1),
          }),
        ).optional(),
        /** More text fails the step. Default `200000`. */
        maxChars: v(z.number().int().min(1).max(5_000_000)).optional(),
      }),
  }),
  // ------------------------------------------------------------------ mail
  defineNode({
    type: 'mail.send',
    description:
      'Send an email over SMTP (nodemailer): text and/or HTML, attachments from the allowed folder or artifacts. Not idempotent: an idempotencyKey becomes the Message-ID, so a resent copy is recognisable.',
    idempotent: false,
    defaultTimeoutMs: 60 * S,
    secretParams: ['smtp'],
    outputs: '{ messageId: string, accepted: string[], rejected: string[] }',
    outputFields: ['messageId', 'accepted', 'rejected'],
    build: (v) =>
      z
        .strictObject({
          /** A secret reference holding e.g. `smtps://user:password@smtp.example.com:465`. */
          smtp: v(z.string().regex(/^smtps?:\/\//i, 'expected an smtp:// or smtps:// URL')),
          from: v(mailbox()),
          to: v(mailboxes()),
          cc: v(mailboxes()).optional(),
          bcc: v(mailboxes()).optional(),
          replyTo: v(mailbox()).optional(),
          /** The Message-ID this answers (`In-Reply-To` and `References`). */
          inReplyTo: v(z.string().min(1).max(998)).optional(),
          subject: v(z.string().max(998)),
          text: v(z.string().max(5_000_000)).optional(),
          html: v(z.string().max(5_000_000)).optional(),
          attachments: v(
            z
              .array(
                v(
                  z.strictObject({
                    /** A path under the allowed folder, or an artifact reference. */
                    file: v(relPath()),
                    /** Default: the file's own name. */
                    name: v(z.string().min(1).max(255)).optional(),
                  }),
                ),
              )
              .max(50),
          ).optional(),
        })
        .refine((p) => p.text !== undefined || p.html !== undefined, { message: 'give text, html or both' }),
  }),
  defineNode({
    type: 'mail.fetch',
    description:
      "Read messages from an IMAP mailbox (unseen ones by default, oldest first) without changing their flags: headers, text, HTML and attachments stored as artifacts. Each message carries its UID and the mailbox's UIDVALIDITY for mail.move and mail.markSeen.",
    idempotent: true,
    defaultTimeoutMs: 120 * S,
    secretParams: ['imap'],
    outputs:
      '{ messages: { uid: number, uidValidity: string, messageId?: string, from?: string, fromAddress?: string, to: string[], subject: string, date?: string, text: string, html?: string, seen: boolean, attachments: { name: string, contentType: string, size: number, ref: string }[] }[], count: number, more: boolean, mailbox: string, uidValidity: string }',
    outputFields: ['messages', 'count', 'more', 'mailbox', 'uidValidity'],
    build: (v) =>
      z.strictObject({
        imap: v(imapUrl()),
        /** Default `INBOX`. */
        mailbox: v(mailboxPath()).optional(),
        /** Default `true`: only messages without the \\Seen flag. */
        unseen: v(z.boolean()).optional(),
        /** Part of the sender's address or name. */
        from: v(z.string().min(1).max(998)).optional(),
        /** Part of the subject. */
        subject: v(z.string().min(1).max(998)).optional(),
        /** Messages received on or after this day (`2026-03-01`). */
        since: v(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day like 2026-03-01')).optional(),
        /** Only these UIDs (e.g. the one a mail trigger started the job for). */
        uids: v(uidList()).optional(),
        /** Most messages returned, oldest first; `more` says whether others matched. Default `10`. */
        limit: v(z.number().int().min(1).max(100)).optional(),
        /** Default `true`: attachments are stored as artifacts (`ref`). */
        attachments: v(z.boolean()).optional(),
        /** A larger message fails the step. Default `26214400` (25 MiB). */
        maxBytes: v(
          z
            .number()
            .int()
            .min(1)
            .max(100 * 1024 * 1024),
        ).optional(),
      }),
  }),
  defineNode({
    type: 'mail.move',
    description:
      'Move messages by UID to another mailbox (created when missing). Idempotent: a message already moved is no longer in the source and is not moved again.',
    idempotent: true,
    defaultTimeoutMs: 60 * S,
    secretParams: ['imap'],
    outputs: '{ moved: number, uids: number[], destinationUids: number[] }',
    outputFields: ['moved', 'uids', 'destinationUids'],
    build: (v) =>
      z.strictObject({
        imap: v(imapUrl()),
        /** The source mailbox. Default `INBOX`. */
        mailbox: v(mailboxPath()).optional(),
        uids: v(uidList()),
        /** The UIDVALIDITY mail.fetch returned: when the mailbox's differs, UIDs mean other messages and the step fails. */
        uidValidity: v(uidValidity()).optional(),
        to: v(mailboxPath()),
      }),
  }),
  defineNode({
    type: 'mail.markSeen',
    description: 'Set (or with `seen: false`, clear) the \\Seen flag of messages by UID.',
    idempotent: true,
    defaultTimeoutMs: 60 * S,
    secretParams: ['imap'],
    outputs: '{ updated: number, uids: number[] }',
    outputFields: ['updated', 'uids'],
    build: (v) =>
      z.strictObject({
        imap: v(imapUrl()),
        /** Default `INBOX`. */
        mailbox: v(mailboxPath()).optional(),
        uids: v(uidList()),
        uidValidity: v(uidValidity()).optional(),
        /** Default `true`. */
        seen: v(z.boolean()).optional(),
      }),
  }),
  // ------------------------------------------------------------------ work queues
  defineNode({
    type: 'queue.next',
    description:
      'Take the next waiting item of a work queue (priority, then earliest deadline, then oldest), leased to this job until queue.complete / queue.fail or the job ends. `found` is false when none waits. Run again after a crash, the step gets the same item.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs:
      '{ found: boolean, itemId?: string, reference?: string, payload?: object, priority?: number, deadline?: string, attempt?: number }',
    outputFields: ['found', 'itemId', 'reference', 'payload', 'priority', 'deadline', 'attempt'],
    build: (v) => z.strictObject({ queue: v(queueName()) }),
  }),
  defineNode({
    type: 'queue.complete',
    description: 'Mark the item this job took successful, with an output recorded on the item.',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ itemId: string, status: string }',
    outputFields: ['itemId', 'status'],
    build: (v) =>
      z.strictObject({
        queue: v(queueName()),
        itemId: v(queueItemId()),
        output: v(z.record(z.string(), z.unknown())).optional(),
      }),
  }),
  defineNode({
    type: 'queue.fail',
    description:
      "Fail the item this job took. `business` (the data is wrong: a closed account, a missing order) fails it for good; `application` (the system misbehaved) puts it back for another attempt, up to the queue's maxRetries.",
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ itemId: string, status: "failed" | "retried" }',
    outputFields: ['itemId', 'status'],
    build: (v) =>
      z.strictObject({
        queue: v(queueName()),
        itemId: v(queueItemId()),
        exception: v(z.enum(['business', 'application'])),
        message: v(z.string().min(1).max(4000)),
      }),
  }),
  defineNode({
    type: 'queue.add',
    description:
      'Add an item to a work queue. A reference already in the queue fails the step naming the existing item, or is passed over with `ifExists: "skip"` (`added` false).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    outputs: '{ itemId: string, added: boolean, status: string, deadline?: string }',
    outputFields: ['itemId', 'added', 'status', 'deadline'],
    build: (v) =>
      z.strictObject({
        queue: v(queueName()),
        reference: v(z.string().min(1).max(256)),
        payload: v(z.record(z.string(), z.unknown())).optional(),
        /** 0–20, default 10. */
        priority: v(z.number().int().min(0).max(20)).optional(),
        /** ISO 8601; the queue's SLA may make it earlier. */
        deadline: v(
          z
            .string()
            .max(64)
            .refine((text) => !Number.isNaN(Date.parse(text)), 'expected an ISO 8601 date and time'),
        ).optional(),
        /** Default `fail`. */
        ifExists: v(z.enum(['fail', 'skip'])).optional(),
      }),
  }),
  // ------------------------------------------------------------------ control flow
  defineNode({
    type: 'delay',
    description: 'Wait (run by the robot, since it needs the clock).',
    idempotent: true,
    defaultTimeoutMs: 30 * S,
    build: (v) =>
      z.strictObject({
        ms: v(
          z
            .number()
            .int()
            .min(0)
            .max(24 * 3600 * S),
        ),
      }),
    timeoutFor: (p) => (typeof p['ms'] === 'number' ? p['ms'] + 30 * S : undefined),
  }),
  defineNode({
    type: 'if',
    kind: 'control',
    description:
      'Run `branches.then` when the condition is truthy, else `branches.else`; then continue at `next`.',
    idempotent: true,
    defaultTimeoutMs: 0,
    edges: ['branches'],
    expressionParams: ['condition'],
    outputs: '{ branch: "then" | "else" }',
    outputFields: ['branch'],
    build: () => z.strictObject({ condition: z.union([z.string().min(1), z.boolean()]) }),
  }),
  defineNode({
    type: 'switch',
    kind: 'control',
    description:
      'Run the branch named by the value (`branches.<value>`, else `branches.default`); then continue at `next`.',
    idempotent: true,
    defaultTimeoutMs: 0,
    edges: ['branches'],
    expressionParams: ['value'],
    outputs: '{ branch: string | null }',
    outputFields: ['branch'],
    build: () => z.strictObject({ value: z.union([z.string().min(1), z.number(), z.boolean()]) }),
  }),
  defineNode({
    type: 'forEach',
    kind: 'control',
    description:
      'Run `body` once per item (`item` or the `as` name, and `index`, in scope). Step keys carry the index: `<nodeId>[<i>]`.',
    idempotent: true,
    defaultTimeoutMs: 0,
    edges: ['body'],
    expressionParams: ['items'],
    outputs: '{ count: number }',
    outputFields: ['count'],
    build: () =>
      z.strictObject({
        items: z.union([z.string().min(1), z.array(z.unknown())]),
        as: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .optional(),
        indexAs: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .optional(),
      }),
  }),
  defineNode({
    type: 'while',
    kind: 'control',
    description:
      'Run `body` while the condition holds, at most maxIterations times (exceeding it fails the step).',
    idempotent: true,
    defaultTimeoutMs: 0,
    edges: ['body'],
    expressionParams: ['condition'],
    outputs: '{ iterations: number }',
    outputFields: ['iterations'],
    build: () =>
      z.strictObject({
        condition: z.union([z.string().min(1), z.boolean()]),
        maxIterations: z.number().int().min(1).max(100_000),
      }),
  }),
  defineNode({
    type: 'try',
    kind: 'control',
    description: 'Run `body`; on a failure run `catch` (with `error` in scope); always run `finally`.',
    idempotent: true,
    defaultTimeoutMs: 0,
    edges: ['body', 'catch', 'finally'],
    build: () => z.strictObject({}),
  }),
  defineNode({
    type: 'retry',
    kind: 'control',
    description:
      'Retry each failed retryable step in `body` up to `attempts` times in all, waiting backoffMs × backoffFactor^(n-1).',
    idempotent: true,
    defaultTimeoutMs: 0,
    edges: ['body'],
    build: () =>
      z.strictObject({
        attempts: z.number().int().min(1).max(100),
        backoffMs: z
          .number()
          .int()
          .min(0)
          .max(3600 * S),
        backoffFactor: z.number().min(1).max(10).optional(),
        maxBackoffMs: z.number().int().min(0).optional(),
      }),
  }),
  defineNode({
    type: 'subflow',
    kind: 'control',
    description:
      "Run a subflow defined under `subflows`; its outputs become this step's output. Recursive calls need maxDepth.",
    idempotent: true,
    defaultTimeoutMs: 0,
    build: (v) =>
      z.strictObject({
        workflowId: z.string().min(1),
        version: z.number().int().min(1).optional(),
        inputs: v(z.record(z.string(), z.unknown())).optional(),
        maxDepth: z.number().int().min(1).max(50).optional(),
      }),
  }),
  defineNode({
    type: 'stopWithError',
    kind: 'control',
    description:
      'Fail here with a message (a `try` around it can catch it). `kind`: `business` (default) is a business exception, the job fails at once and is never retried; `application` is an application exception, the job is retried on its retry schedule.',
    idempotent: true,
    defaultTimeoutMs: 0,
    build: (v) =>
      z.strictObject({
        message: v(z.string().min(1)),
        code: v(z.string().min(1)).optional(),
        kind: z.enum(['business', 'application']).optional(),
      }),
  }),
] as const;

const CATEGORY_BY_PREFIX: Record<string, NodeCategory> = {
  browser: 'browser',
  desktop: 'desktop',
  http: 'http',
  data: 'data',
  file: 'file',
  xlsx: 'spreadsheet',
  db: 'database',
  pdf: 'pdf',
  ocr: 'ocr',
  mail: 'mail',
  queue: 'queue',
};

function entry(def: NodeDefinition): CatalogEntry {
  const { build, ...rest } = def;
  return Object.freeze({
    ...rest,
    kind: def.kind ?? 'step',
    needs: def.needs ?? [],
    category: CATEGORY_BY_PREFIX[def.type.split('.')[0]] ?? 'control',
    params: build(liftNone),
    staticParams: build(liftStatic),
    jsonSchemaParams: build(liftUnion),
  });
}

type Definitions = (typeof definitions)[number];

/** Every node type name, as a string literal union. */
export type NodeType = Definitions['type'];

/** The resolved params a handler of `T` receives (after expressions are evaluated). */
export type NodeParams<T extends NodeType> = z.output<ReturnType<Extract<Definitions, { type: T }>['build']>>;

export const catalogEntries: ReadonlyMap<string, CatalogEntry> = new Map(
  definitions.map((d: NodeDefinition) => [d.type, entry(d)]),
);

/** Every node type, by type name. */
export const nodeCatalog: ReadonlyMap<string, NodeSpec> = catalogEntries;
