import { Injectable, inject, signal } from '@angular/core';
import { Router } from '@angular/router';

const STORAGE_KEY = 'aether.accessToken';

/**
 * The caller's bearer token, kept in session storage: the one interceptor adds it to API calls
 * and the live feed (`LiveFeed`) offers it in its WebSocket handshake. Without a token the console calls the
 * API anonymously, which works until the gateway requires sign-in (it then answers 401).
 */
@Injectable({ providedIn: 'root' })
export class AuthSession {
  private readonly router = inject(Router);
  readonly token = signal<string | null>(sessionStorage.getItem(STORAGE_KEY));

  signIn(token: string): void {
    sessionStorage.setItem(STORAGE_KEY, token);
    this.token.set(token);
  }

  signOut(): void {
    sessionStorage.removeItem(STORAGE_KEY);
    this.token.set(null);
    void this.router.navigate(['/sign-in']);
  }

  /** The API refused the caller: forget the token and ask for a sign-in, then come back. */
  refused(returnTo: string): void {
    sessionStorage.removeItem(STORAGE_KEY);
    this.token.set(null);
    if (!returnTo.startsWith('/sign-in'))
      void this.router.navigate(['/sign-in'], { queryParams: { returnTo } });
  }
}
