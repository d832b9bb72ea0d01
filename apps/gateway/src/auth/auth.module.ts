import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AccessTokenVerifier,
  ApiKeyStore,
  loadOrCreateSigningKey,
  UserDirectory,
  type EmbeddedIssuer,
} from '@aether/identity';
import { NATS_CONNECTION, type Logger } from '@aether/service-kit';
import type { GatewayConfig } from '../config';
import { ApiKeysController } from './api-keys.controller';
import { AuthController, EMBEDDED_ISSUER, TOKEN_TTL_S } from './auth.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AUTH_LOGGER, AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';

/** Authentication and the route table's guard on every route; exports `Authenticator` for WebSocket handshakes. */
@Module({})
export class AuthModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AuthModule,
      imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.AUTH_SIGNIN_LIMIT }])],
      controllers: [AuthController, ApiKeysController],
      providers: [
        { provide: AUTH_LOGGER, useValue: logger },
        { provide: TOKEN_TTL_S, useValue: config.AUTH_TOKEN_TTL_S },
        {
          provide: EMBEDDED_ISSUER,
          useFactory: async (): Promise<EmbeddedIssuer> => ({
            issuer: config.AUTH_ISSUER,
            audience: config.AUTH_AUDIENCE,
            key: await loadOrCreateSigningKey(config.AUTH_SIGNING_KEY_FILE),
          }),
        },
        {
          provide: AccessTokenVerifier,
          useFactory: (embedded: EmbeddedIssuer) =>
            new AccessTokenVerifier({
              embedded,
              clockToleranceSeconds: config.AUTH_CLOCK_SKEW_S,
              ...(config.OIDC_ISSUER_URL
                ? {
                    external: {
                      issuerUrl: config.OIDC_ISSUER_URL,
                      audience: config.OIDC_AUDIENCE,
                      tenantClaim: config.OIDC_TENANT_CLAIM,
                      roleClaim: config.OIDC_ROLE_CLAIM,
                    },
                  }
                : {}),
            }),
          inject: [EMBEDDED_ISSUER],
        },
        {
          provide: UserDirectory,
          useFactory: (nc: NatsConnection) => UserDirectory.open(nc),
          inject: [NATS_CONNECTION],
        },
        {
          provide: ApiKeyStore,
          useFactory: (nc: NatsConnection) => ApiKeyStore.open(nc),
          inject: [NATS_CONNECTION],
        },
        Authenticator,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
      ],
      exports: [Authenticator],
    };
  }
}
