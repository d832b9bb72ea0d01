import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { loadOrCreateSigningKey } from './signing-key';
import { AccessTokenVerifier, InvalidTokenError, issueAccessToken, type EmbeddedIssuer } from './tokens';

describe('access tokens', () => {
  let dir: string;
  let embedded: EmbeddedIssuer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aether-tokens-'));
    embedded = {
      issuer: 'urn:test',
      audience: 'aether-api',
      key: await loadOrCreateSigningKey(join(dir, 'k.json')),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const claims = { subject: 'user:ada', name: 'ada', tenantId: 'acme', role: 'developer' as const };

  it('verifies its own tokens into a principal', async () => {
    const verifier = new AccessTokenVerifier({ embedded });
    await expect(verifier.verify(await issueAccessToken(embedded, claims, 60))).resolves.toEqual({
      ...claims,
      via: 'token',
    });
  });

  it('loads the same key again from its file', async () => {
    const again = await loadOrCreateSigningKey(join(dir, 'k.json'));
    expect(again.kid).toBe(embedded.key.kid);
    const verifier = new AccessTokenVerifier({ embedded: { ...embedded, key: again } });
    await expect(verifier.verify(await issueAccessToken(embedded, claims, 60))).resolves.toBeDefined();
  });

  it('refuses expired, foreign-audience, foreign-key and malformed tokens', async () => {
    const verifier = new AccessTokenVerifier({ embedded, clockToleranceSeconds: 5 });
    const other = { ...embedded, key: await loadOrCreateSigningKey(join(dir, 'other.json')) };
    const cases = {
      expired: issueAccessToken(embedded, claims, -10),
      audience: issueAccessToken({ ...embedded, audience: 'someone-else' }, claims, 60),
      key: issueAccessToken(other, claims, 60),
      malformed: Promise.resolve('not.a.token'),
    };
    for (const [name, token] of Object.entries(cases))
      await expect(verifier.verify(await token).then(() => name)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses a token without a tenant or with an unknown role', async () => {
    const verifier = new AccessTokenVerifier({ embedded });
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: embedded.key.kid })
        .setIssuer(embedded.issuer)
        .setAudience(embedded.audience)
        .setSubject('x')
        .setExpirationTime('1m')
        .sign(embedded.key.privateKey);
    await expect(verifier.verify(await sign({ aether_role: 'admin' }))).rejects.toThrow(/aether_tenant/);
    await expect(verifier.verify(await sign({ aether_tenant: 'acme', aether_role: 'root' }))).rejects.toThrow(
      /aether_role/,
    );
  });

  describe('an external OIDC issuer', () => {
    let server: Server;
    let issuerUrl: string;
    let keys: { kid: string; privateKey: KeyLike; jwk: JWK }[] = [];
    let jwksFetches = 0;

    const newKey = async (kid: string) => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
    };
    const sign = (kid: string, payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(`${issuerUrl}/`)
        .setAudience('aether-api')
        .setSubject('oidc|42')
        .setExpirationTime('5m')
        .sign(keys.find((k) => k.kid === kid)!.privateKey);

    beforeAll(async () => {
      keys = [await newKey('one')];
      server = createServer((request, response) => {
        response.setHeader('content-type', 'application/json');
        if (request.url === '/.well-known/openid-configuration')
          response.end(JSON.stringify({ issuer: `${issuerUrl}/`, jwks_uri: `${issuerUrl}/keys` }));
        else if (request.url === '/keys') {
          jwksFetches++;
          response.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
        } else response.writeHead(404).end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('maps its claims to a principal and follows a key rotation', async () => {
      const verifier = new AccessTokenVerifier({
        embedded,
        external: {
          issuerUrl,
          audience: 'aether-api',
          tenantClaim: 'org',
          roleClaim: 'app_role',
          refetchCooldownMs: 0,
        },
      });
      const payload = { org: 'acme', app_role: 'viewer', email: 'ada@example.com' };
      await expect(verifier.verify(await sign('one', payload))).resolves.toEqual({
        subject: 'oidc|42',
        name: 'ada@example.com',
        tenantId: 'acme',
        role: 'viewer',
        via: 'token',
      });
      expect(jwksFetches).toBe(1);

      keys = [await newKey('two')]; // the issuer rotates: the old key is gone
      await expect(verifier.verify(await sign('two', payload))).resolves.toMatchObject({ tenantId: 'acme' });
      expect(jwksFetches).toBe(2);
    });
  });
});
