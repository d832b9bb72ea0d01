import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { map, type Observable } from 'rxjs';
import { tokenOf } from './sign-in-response';

/** `POST /api/v1/auth/token`: a user name and password for a bearer token. */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);

  signIn(username: string, password: string): Observable<string> {
    return this.http
      .post<unknown>('/api/v1/auth/token', { username, password })
      .pipe(map((body) => tokenOf(body)));
  }
}
