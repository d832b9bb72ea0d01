import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyStore, RoleSchema, type Principal } from '@aether/identity';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
import { CurrentPrincipal } from './principal';

export const CreateBody = z.object({ name: z.string().min(1).max(100), role: RoleSchema }).strict();

/** API keys for machines, scoped to the admin's tenant and a role; the key is shown once. */
@Controller('api/v1/auth/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyStore) {}

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const { name, role } = parseOr400(CreateBody, body ?? {}, 'body');
    return this.keys.create({ tenantId: principal.tenantId, name, role, createdBy: principal.subject });
  }

  @Get()
  list(@Tenant() tenantId: string) {
    return this.keys.list(tenantId);
  }

  @Delete(':keyId')
  @HttpCode(204)
  async revoke(@Tenant() tenantId: string, @Param('keyId') keyId: string) {
    if (!(await this.keys.revoke(tenantId, keyId))) throw new NotFoundException(`API key ${keyId} not found`);
  }
}
