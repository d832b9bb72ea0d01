import { readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeSecretFile } from '@aether/identity';
import { z } from 'zod';

const DEFAULT_API_URL = 'http://127.0.0.1:8080';

const CredentialsSchema = z.object({
  apiUrl: z.string(),
  username: z.string(),
  accessToken: z.string(),
  expiresAt: z.string(),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

/** `$AETHER_CONFIG_DIR/credentials.json`, default `~/.config/aether/credentials.json`; mode 0600. */
export function credentialsFile(): string {
  return join(process.env['AETHER_CONFIG_DIR'] ?? join(homedir(), '.config', 'aether'), 'credentials.json');
}

export function loadCredentials(): Credentials | undefined {
  try {
    return CredentialsSchema.parse(JSON.parse(readFileSync(credentialsFile(), 'utf8')));
  } catch {
    return undefined;
  }
}

export function saveCredentials(credentials: Credentials): string {
  const file = credentialsFile();
  writeSecretFile(file, JSON.stringify(credentials, null, 2));
  return file;
}

export function forgetCredentials(): void {
  rmSync(credentialsFile(), { force: true });
}

/** `AETHER_API_URL`, else the gateway the CLI last signed in to, else the local default. */
export function apiUrl(): string {
  return process.env['AETHER_API_URL'] ?? loadCredentials()?.apiUrl ?? DEFAULT_API_URL;
}

/** `AETHER_TOKEN` (an access token or API key), else the stored sign-in for this gateway. */
function accessToken(url: string): string | undefined {
  const stored = loadCredentials();
  return process.env['AETHER_TOKEN'] ?? (stored?.apiUrl === url ? stored.accessToken : undefined);
}

/** Calls the gateway signed in; any answer but 2xx throws with the gateway's message. */
export async function callGateway(path: string, init?: RequestInit): Promise<unknown> {
  const url = apiUrl();
  const token = accessToken(url);
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init?.headers,
    },
  });
  const body = await response.text();
  if (response.status === 401)
    throw new Error(`${url} wants you signed in (${body}): run npx aether login --url ${url}`);
  if (!response.ok) throw new Error(`${response.status} ${body}`);
  return body ? JSON.parse(body) : undefined;
}
