import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { tap } from 'rxjs';
import { AuthSession } from './auth-session';

/** The one place the bearer token is added, and where a 401 turns into the sign-in page. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const session = inject(AuthSession);
  const router = inject(Router);
  const token = session.token();
  const authorised = token ? request.clone({ setHeaders: { authorization: `Bearer ${token}` } }) : request;
  return next(authorised).pipe(
    tap({
      error: (error: unknown) => {
        if (
          error instanceof HttpErrorResponse &&
          error.status === 401 &&
          !request.url.includes('/auth/token')
        )
          session.refused(router.url);
      },
    }),
  );
};
