import {
  HttpException,
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import { AuditRecorded, subjects } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { EVENT_STORE, type Logger } from '@aether/service-kit';
import type { Request } from 'express';
import { AUTH_LOGGER } from './auth.guard';
import { principalOf } from './principal';
import { routeOf } from './route-table';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Records every mutating call of an authenticated caller as an `AuditRecorded` event, whatever its outcome. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUTH_LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if (!MUTATING.has(request.method)) return next.handle();
    const record = (status: number) => this.record(context, request, status);
    // The status Nest will answer with: set after interceptors run, so read from the same metadata.
    const success =
      this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap((result) => from(record(success).then(() => result))),
      catchError((error: unknown) =>
        from(
          record(error instanceof HttpException ? error.getStatus() : 500).then(() => {
            throw error;
          }),
        ),
      ),
    );
  }

  private async record(context: ExecutionContext, request: Request, status: number): Promise<void> {
    const principal = principalOf(request);
    if (!principal) return; // public routes: a webhook delivery is recorded as its job's trigger
    const action = routeOf(this.reflector, context);
    const day = new Date().toISOString().slice(0, 10);
    const userAgent = request.header('user-agent')?.slice(0, 256);
    const event = AuditRecorded.create({
      tenantId: principal.tenantId,
      aggregateId: day,
      data: {
        actor: { subject: principal.subject, name: principal.name, role: principal.role, via: principal.via },
        action,
        path: request.path.slice(0, 2048),
        status,
        ...(request.ip ? { ip: request.ip } : {}),
        ...(userAgent ? { userAgent } : {}),
      },
    });
    try {
      await this.store.append(subjects.event(principal.tenantId, 'audit', day), [event], 'any');
    } catch (error) {
      this.logger.error({ err: error, action, tenantId: principal.tenantId }, 'audit event not recorded');
    }
  }
}
