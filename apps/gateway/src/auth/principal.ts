import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@aether/identity';
import type { Request } from 'express';

const PRINCIPALS = new WeakMap<Request, Principal>();

export function setPrincipal(request: Request, principal: Principal): void {
  PRINCIPALS.set(request, principal);
}

/** The caller the guard authenticated; undefined only on public routes. */
export function principalOf(request: Request): Principal | undefined {
  return PRINCIPALS.get(request);
}

/** The authenticated caller of a non-public route. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = principalOf(ctx.switchToHttp().getRequest<Request>());
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
