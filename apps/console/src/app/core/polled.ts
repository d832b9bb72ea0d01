import { HttpErrorResponse } from '@angular/common/http';
import { catchError, map, of, scan, switchMap, timer, type Observable } from 'rxjs';

export interface Polled<T> {
  readonly value?: T;
  readonly error?: string;
}

/**
 * Reads now and every `periodMs`. A failed read reports its error next to the last value read,
 * and the next one tries again.
 */
export function polled<T>(read: () => Observable<T>, periodMs: number): Observable<Polled<T>> {
  return timer(0, periodMs).pipe(
    switchMap(() =>
      read().pipe(
        map((value): Polled<T> => ({ value })),
        catchError((error: unknown) => of<Polled<T>>({ error: describe(error) })),
      ),
    ),
    scan((last: Polled<T>, next: Polled<T>) => ('value' in next ? next : { ...last, error: next.error }), {}),
  );
}

function describe(error: unknown): string {
  if (error instanceof HttpErrorResponse)
    return error.status ? `${error.status} ${error.statusText}` : 'no answer';
  return error instanceof Error ? error.message : String(error);
}
