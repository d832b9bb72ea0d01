import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'demo_session';

const DEMO_USERNAME = 'demo';
export const DEFAULT_DEMO_PASSWORD = 'demo-password';

export interface Session {
  username: string;
  createdAt: Date;
}

// Hashing first gives equal-length inputs, which timingSafeEqual requires.
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function checkCredentials(username: string, password: string, expected: string): boolean {
  return sameSecret(username, DEMO_USERNAME) && sameSecret(password, expected);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  /** Returns the token to put in the session cookie. */
  open(username: string): string {
    const token = randomBytes(24).toString('base64url');
    this.sessions.set(token, { username, createdAt: new Date() });
    return token;
  }

  find(token: string | undefined): Session | undefined {
    return token === undefined ? undefined : this.sessions.get(token);
  }

  close(token: string | undefined): void {
    if (token !== undefined) this.sessions.delete(token);
  }
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`;
}

export function expiredSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}
