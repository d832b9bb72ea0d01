import { HttpErrorResponse } from '@angular/common/http';
import { httpFailure } from './http-failure';
import { EMPTY, catchError, map, merge, of, scan, switchMap, timer, type Observable } from 'rxjs';

export interface Polled<T> {
  readonly value?: T;
  readonly error?: string;
}

/**
 * Reads now, every `periodMs`, and whenever `also` emits (a live update). A failed read reports
 * its error next to the last value read, and the next one tries again.
 */
export function polled<T>(
  read: () => Observable<T>,
  periodMs: number,
  also: Observable<unknown> = EMPTY,
): Observable<Polled<T>> {
  return merge(timer(0, periodMs), also).pipe(
    switchMap(() =>
      read().pipe(
        map((value): Polled<T> => ({ value })),
        catchError((error: unknown) => of<Polled<T>>({ error: describeError(error) })),
      ),
    ),
    scan((last: Polled<T>, next: Polled<T>) => ('value' in next ? next : { ...last, error: next.error }), {}),
  );
}

/** An HTTP or other failure in a few words for the page, with the reason the API gave. */
export function describeError(error: unknown): string {
  if (error instanceof HttpErrorResponse) return httpFailure(error.status, error.statusText, error.error);
  return error instanceof Error ? error.message : String(error);
}
