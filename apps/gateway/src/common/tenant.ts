import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DEFAULT_TENANT, TenantIdSchema } from '@aether/contracts';
import type { Request } from 'express';

/** The caller's tenant, from `X-Aether-Tenant` (until authentication binds it to a token). */
export const Tenant = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const header = ctx.switchToHttp().getRequest<Request>().header('x-aether-tenant');
  if (header === undefined) return DEFAULT_TENANT;
  const parsed = TenantIdSchema.safeParse(header);
  if (!parsed.success)
    throw new BadRequestException({
      problems: [{ path: 'X-Aether-Tenant', message: parsed.error.issues[0].message }],
    });
  return parsed.data;
});
