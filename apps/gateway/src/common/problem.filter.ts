import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import type { Logger } from '@aether/service-kit';
import type { Request, Response } from 'express';

export const PROBLEM_LOGGER = Symbol('PROBLEM_LOGGER');

interface Problem {
  path: string;
  message: string;
}

/** What body-parser throws before a handler runs (too large, bad charset …): it carries its status. */
interface ParserError {
  readonly status: number;
  readonly type: string;
  readonly expose: boolean;
  readonly message: string;
  readonly limit?: number;
}

const isParserError = (error: unknown): error is ParserError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as ParserError).status === 'number' &&
  typeof (error as ParserError).type === 'string' &&
  (error as ParserError).expose === true;

/** JSON.parse's messages, which body-parser's syntax errors carry (Nest maps them to a bare 400). */
const JSON_SYNTAX =
  /JSON|Unexpected (token|end|non-whitespace)|Expected (property|',')|Unterminated|Bad (control|escaped)/;

/**
 * Every error answer as an RFC 9457 problem document (`application/problem+json`): `type`,
 * `title`, `status`, `detail`, and Aether's `message` and `problems` ([{path, message}] naming
 * each field at fault). Anything not an HTTP error is a 500 that tells nothing and is logged: no
 * stack trace or internal message ever reaches the caller.
 */
@Catch()
export class ProblemDocumentFilter implements ExceptionFilter {
  constructor(@Inject(PROBLEM_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // The live feed's WebSocket errors keep Nest's own handling.
    if (host.getType() !== 'http') return new BaseWsExceptionFilter().catch(exception, host);
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const { status, message, problems } = this.describe(exception, request);
    if (response.headersSent) return;
    response
      .status(status)
      .type('application/problem+json')
      .json({
        type: 'about:blank',
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: message,
        message,
        ...(problems ? { problems } : {}),
      });
  }

  private describe(
    exception: unknown,
    request: Request,
  ): { status: number; message: string; problems?: Problem[] } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      // A problem with the whole document (path "") is one with the body.
      const problems = Array.isArray(fields['problems'])
        ? (fields['problems'] as Problem[]).map((p) => (p.path ? p : { ...p, path: 'body' }))
        : undefined;
      const raw = typeof body === 'string' ? body : fields['message'];
      const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
      if (status === 400 && !problems)
        return { status, message, problems: [{ path: whereOf(message), message }] };
      return {
        status,
        message: problems && message === 'Bad Request Exception' ? 'invalid request' : message,
        ...(problems ? { problems } : {}),
      };
    }
    if (isParserError(exception) && exception.status < 500) {
      const message =
        exception.type === 'entity.too.large'
          ? `the body is larger than ${exception.limit ?? 'the limit'} bytes`
          : exception.message;
      return { status: exception.status, message, problems: [{ path: 'body', message }] };
    }
    this.logger.error(
      { err: exception, method: request.method, path: request.path },
      'unhandled error answered 500',
    );
    return { status: 500, message: 'internal error; it was logged' };
  }
}

function whereOf(message: string): string {
  if (/^Failed to decode param/.test(message)) return 'path';
  if (JSON_SYNTAX.test(message)) return 'body';
  return 'request';
}
