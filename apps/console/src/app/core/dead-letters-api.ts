import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';

/** A job whose retries ran out, as `GET /api/v1/dead-letters` lists it. */
export interface DeadLetter {
  readonly id: string;
  readonly jobId: string;
  readonly workflowId: string;
  readonly attempts: number;
  readonly error: { readonly message?: string; readonly code?: string };
  readonly deadLetteredAt: string;
}

/** Dead letters and their requeue. */
@Injectable({ providedIn: 'root' })
export class DeadLettersApi {
  private readonly http = inject(HttpClient);

  list(): Observable<DeadLetter[]> {
    return this.http.get<DeadLetter[]>('/api/v1/dead-letters');
  }

  /** Sends the job back with a fresh retry schedule; its completed steps stay done. */
  requeue(id: string, note?: string): Observable<unknown> {
    return this.http.post(`/api/v1/dead-letters/${encodeURIComponent(id)}/requeue`, note ? { note } : {});
  }
}
