import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { principalOf } from '../auth/principal';

/**
 * The caller's tenant: always the authenticated principal's, never a header. A lookup in
 * another tenant finds nothing, so it answers 404 and ids do not leak.
 */
export const Tenant = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = principalOf(ctx.switchToHttp().getRequest<Request>());
  if (!principal) throw new Error('Tenant used on a public route');
  return principal.tenantId;
});
