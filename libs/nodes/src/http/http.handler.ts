import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { NodeParams } from '@aether/workflow';
import type { NodeContext, NodeHandler, NodeOutput } from '../contract';
import { HttpError, NodeParamsError, NodeTimeoutError, StepTimeoutError } from '../errors';
import { abortedError, DEFAULT_STEP_TIMEOUT_MS } from '../shared/abort';
import { implement } from '../shared/define-handler';
import type { EgressPolicy, Resolver } from '@aether/egress';
import { EgressDeniedError, robotConnector } from './egress';

/** Options of the `http.request` node, given once to `createNodeHandlers`. */
export interface HttpNodeOptions {
  /** Sockets kept per origin. Default `16`. */
  readonly connectionsPerOrigin?: number;
  /** How long an idle keep-alive socket stays open, in ms. Default `30000`. */
  readonly keepAliveTimeoutMs?: number;
  /** Response bodies larger than this fail the step (outputs go into events). Default 10 MiB. */
  readonly maxResponseBytes?: number;
  /** Redirects followed per request. Default `5`. */
  readonly maxRedirections?: number;
  /** Whether a URL may be requested at all (an SSRF guard); checked before every request. Default: any http(s) URL. */
  readonly allowUrl?: (url: URL) => boolean;
  /** Wait before retry `n` (1-based), in ms. Default `200 · 2^(n-1)` with ±20 % jitter, at most 5000. */
  readonly retryDelayMs?: (retry: number) => number;
  /** Use this dispatcher instead of the handler's own keep-alive agent (its lifetime stays the caller's). */
  readonly dispatcher?: Dispatcher;
  /**
   * Where requests may go, checked on the URL and on every connection the handler's own agent
   * opens (after DNS resolution, redirects included). Default: anywhere. Not with `dispatcher`.
   */
  readonly egress?: EgressPolicy;
  /** How the egress guard resolves names. Default: the system resolver. */
  readonly resolve?: Resolver;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
type HttpParams = NodeParams<'http.request'> & { readonly method: HttpMethod };
type HttpMethod = NonNullable<NodeParams<'http.request'>['method']>;

/** The `http.request` handler and the agent it owns; `close()` ends its sockets. */
export function createHttpHandler(options: HttpNodeOptions = {}): NodeHandler & { close(): Promise<void> } {
  if (options.dispatcher && options.egress)
    throw new Error(
      "http.request: an egress policy guards the handler's own agent; give egress or dispatcher, not both",
    );
  const own =
    options.dispatcher === undefined
      ? new Agent({
          connections: options.connectionsPerOrigin ?? 16,
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
          ...(options.egress ? { connect: robotConnector(options.egress, options.resolve) } : {}),
        })
      : undefined;
  const dispatcher = (options.dispatcher ?? (own as Dispatcher)).compose(
    interceptors.redirect({ maxRedirections: options.maxRedirections ?? 5 }),
  );
  const maxBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const delayFor =
    options.retryDelayMs ??
    ((retry: number) => Math.min(5000, 200 * 2 ** (retry - 1) * (0.8 + Math.random() * 0.4)));

  const attempt = async (p: HttpParams, url: URL, context: NodeContext): Promise<NodeOutput> => {
    const timeoutMs = p.timeoutMs ?? context.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const attemptTimeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([context.signal, attemptTimeout]);
    const headers: Record<string, string> = { ...lowerKeys(p.headers ?? {}) };
    let body: string | undefined = p.body;
    if (p.json !== undefined) {
      body = JSON.stringify(p.json);
      headers['content-type'] ??= 'application/json';
    } else if (p.form !== undefined) {
      body = new URLSearchParams(Object.entries(p.form).map(([k, v]) => [k, String(v)])).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    try {
      const response = await request(url, { dispatcher, method: p.method, headers, body, signal });
      const text = await readLimited(response.body, maxBytes, url);
      const responseHeaders = flattenHeaders(response.headers);
      if (response.statusCode >= 400) {
        throw new HttpError(
          `${p.method} ${url.origin}${url.pathname} answered ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`,
          response.statusCode,
        );
      }
      const output: Record<string, unknown> = {
        status: response.statusCode,
        headers: responseHeaders,
        body: text,
      };
      if (/[/+]json\b/i.test(responseHeaders['content-type'] ?? '') && text !== '') {
        try {
          output['json'] = JSON.parse(text) as unknown;
        } catch {
          // A server that mislabels its body still gets its text through.
        }
      }
      return output;
    } catch (error) {
      if (error instanceof HttpError || error instanceof NodeParamsError) throw error;
      const denied = egressDenial(error);
      if (denied) throw denied;
      if (context.signal.aborted) throw abortedError(context.signal);
      if (attemptTimeout.aborted) {
        // Without a timeout of its own, the attempt had the step's whole time: the step stalled.
        const NoAnswer = p.timeoutMs === undefined ? StepTimeoutError : NodeTimeoutError;
        throw new NoAnswer(`${p.method} ${url.origin}${url.pathname} got no answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      throw new HttpError(
        `${p.method} ${url.origin}${url.pathname} failed: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
  };

  const handler = implement('http.request', async (params, context) => {
    const p = { ...params, method: params.method ?? 'GET' };
    const url = new URL(p.url);
    for (const [key, value] of Object.entries(p.query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    if (options.allowUrl !== undefined && !options.allowUrl(url)) {
      throw new NodeParamsError(`Requests to ${url.origin} are not allowed on this robot`);
    }
    const refused = options.egress?.refuseHost(url.hostname);
    if (refused) throw new EgressDeniedError(`requests to ${refused} are not allowed on this robot`);
    const retries = p.retries ?? (IDEMPOTENT_METHODS.has(p.method) ? 2 : 0);
    for (let retry = 0; ; retry++) {
      try {
        return await attempt(p, url, context);
      } catch (error) {
        // Once the step's own time is spent, another attempt has none left.
        const transient =
          (error instanceof HttpError || error instanceof NodeTimeoutError) &&
          error.retryable &&
          !(error instanceof StepTimeoutError);
        if (!transient || retry >= retries || context.signal.aborted) throw error;
        context.log.warn('http.request attempt failed; retrying', {
          retry: retry + 1,
          error: (error as Error).message,
        });
        await sleep(delayFor(retry + 1), undefined, { signal: context.signal }).catch(() => {
          throw abortedError(context.signal);
        });
      }
    }
  });
  return {
    ...handler,
    close: async () => {
      await own?.close();
    },
  };
}

/** The egress refusal behind a failed request, however undici wrapped it. */
function egressDenial(error: unknown): EgressDeniedError | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof EgressDeniedError) return e;
  return undefined;
}

async function readLimited(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  url: URL,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new HttpError(`The answer of ${url.origin}${url.pathname} is larger than ${maxBytes} bytes`, 413);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}
