import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '@aether/identity';
import {
  INTERNAL_SECRET_PREFIX,
  SecretNameSchema,
  SecretValueSchema,
  isInternalSecretName,
  type SecretVault,
} from '@aether/vault';
import { CurrentPrincipal } from '../auth/principal';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';

export const SECRET_VAULT = Symbol('SECRET_VAULT');

/** A secret's name as the API takes it: the platform's own (`__…`) are not for callers. */
const PublicSecretName = SecretNameSchema.refine((name) => !isInternalSecretName(name), {
  message: `names starting with "${INTERNAL_SECRET_PREFIX}" are kept for the platform`,
});

export const PutBody = z.object({ value: SecretValueSchema }).strict();

/** Destroying a tenant's key names the tenant again, so a stray call cannot shred anything. */
export const DestroyKeyBody = z.object({ confirmTenant: z.string().min(1).max(128) }).strict();

/** The tenant's secrets: written and removed here, listed by name; a value is never answered. */
@Controller('api/v1/secrets')
export class SecretsController {
  constructor(@Inject(SECRET_VAULT) private readonly vault: SecretVault) {}

  @Get()
  async list(@Tenant() tenantId: string) {
    return { secrets: (await this.vault.list(tenantId)).filter((s) => !isInternalSecretName(s.name)) };
  }

  @Put(':name')
  put(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Body() body: unknown) {
    const secretName = parseOr400(PublicSecretName, name, 'name');
    const { value } = parseOr400(PutBody, body ?? {}, 'body');
    return this.vault.write(principal.tenantId, secretName, value, principal.subject);
  }

  /**
   * Crypto-shredding (ADR 36): the tenant's data key is purged, so every secret of the tenant,
   * wherever a copy went, can never be opened again. Admin only; recorded as an audit event like
   * every mutating call. A later write makes a new key.
   */
  @Post('destroy-key')
  @HttpCode(204)
  async destroyKey(@Tenant() tenantId: string, @Body() body: unknown) {
    const { confirmTenant } = parseOr400(DestroyKeyBody, body ?? {}, 'body');
    if (confirmTenant !== tenantId)
      throw new BadRequestException('body.confirmTenant: must name your tenant to destroy its key');
    await this.vault.destroyTenantKey(tenantId);
  }

  /** Data-key rotation (ADR 70): admin only, recorded as an audit event; the answer carries no key. */
  @Post('rotate-key')
  rotateKey(@Tenant() tenantId: string) {
    return this.vault.rotateDataKey(tenantId);
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Tenant() tenantId: string, @Param('name') name: string) {
    const secretName = parseOr400(PublicSecretName, name, 'name');
    if (!(await this.vault.remove(tenantId, secretName)))
      throw new NotFoundException(`secret ${name} not found`);
  }
}
