import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Logger } from '@aether/service-kit';
import type { Request, Response } from 'express';
import { Authenticator, UnauthenticatedError } from './authenticator';
import { setPrincipal } from './principal';
import { PUBLIC, ROUTE_TABLE, routeOf } from './route-table';

export const AUTH_LOGGER = Symbol('AUTH_LOGGER');

/**
 * The one gate of every HTTP route: finds the route's row in `ROUTE_TABLE` (none → 403 for
 * everyone), authenticates the caller (→ 401) and checks the role (→ 403). The tenant of every
 * handler is then the principal's.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    @Inject(AUTH_LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // WebSocket gateways authenticate their handshake
    const key = routeOf(this.reflector, context);
    const access = ROUTE_TABLE[key];
    if (access === PUBLIC) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (access === undefined) {
      this.logger.error({ route: key }, 'route missing from the access table: refused');
      throw new ForbiddenException('this route is not open to any role');
    }
    try {
      const principal = await this.authenticator.fromAuthorization(request.header('authorization'));
      if (!access.includes(principal.role)) {
        this.logger.warn(
          { route: key, subject: principal.subject, tenantId: principal.tenantId },
          'refused: role',
        );
        throw new ForbiddenException(`role ${principal.role} may not call ${key}`);
      }
      setPrincipal(request, principal);
      return true;
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
        throw new UnauthorizedException(error.message);
      }
      throw error;
    }
  }
}
