import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { z } from 'zod';
import { issueAccessToken, UserDirectory, type EmbeddedIssuer, type Principal } from '@aether/identity';
import { parseOr400 } from '../common/validation';
import { CurrentPrincipal } from './principal';

export const EMBEDDED_ISSUER = Symbol('EMBEDDED_ISSUER');
export const TOKEN_TTL_S = Symbol('TOKEN_TTL_S');

export const SignIn = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  /** Accepted for OAuth-style clients; only the password grant exists. */
  grant_type: z.literal('password').optional(),
});

/** Sign-in for the embedded issuer, and who the caller is. */
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    @Inject(EMBEDDED_ISSUER) private readonly issuer: EmbeddedIssuer,
    @Inject(TOKEN_TTL_S) private readonly ttlSeconds: number,
    private readonly users: UserDirectory,
  ) {}

  /** `{username, password}` → `{access_token, token_type, expires_in, tenantId, role}`; rate-limited per address. */
  @Post('token')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  async token(@Body() body: unknown) {
    const { username, password } = parseOr400(SignIn, body ?? {}, 'body');
    const principal = await this.users.authenticate(username, password);
    if (!principal) throw new UnauthorizedException('wrong user name or password');
    const accessToken = await issueAccessToken(this.issuer, principal, this.ttlSeconds);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.ttlSeconds,
      tenantId: principal.tenantId,
      role: principal.role,
    };
  }

  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  /** The embedded issuer's public keys, for anyone who verifies its tokens. */
  @Get('jwks')
  jwks() {
    return { keys: [this.issuer.key.publicJwk] };
  }
}
