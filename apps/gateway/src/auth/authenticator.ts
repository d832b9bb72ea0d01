import { Injectable } from '@nestjs/common';
import {
  AccessTokenVerifier,
  ApiKeyStore,
  InvalidTokenError,
  isApiKey,
  type Principal,
} from '@aether/identity';

/** Why a request carries no usable identity: answered 401 with this message. */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

/**
 * Turns what a caller presents into a principal: `Authorization: Bearer <token>` on HTTP, the
 * `access_token` query parameter on a WebSocket handshake (browsers cannot set headers there).
 * The bearer is a JWT or an API key (`aek_…`).
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly apiKeys: ApiKeyStore,
  ) {}

  async fromAuthorization(header: string | undefined): Promise<Principal> {
    if (!header) throw new UnauthenticatedError('sign in: send Authorization: Bearer <token>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer <token>"');
    return this.fromToken(match[1] as string);
  }

  async fromToken(token: string | undefined): Promise<Principal> {
    if (!token) throw new UnauthenticatedError('sign in: no access token');
    if (isApiKey(token)) {
      const principal = await this.apiKeys.authenticate(token);
      if (!principal) throw new UnauthenticatedError('unknown or revoked API key');
      return principal;
    }
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthenticatedError(error.message);
      throw error;
    }
  }
}
