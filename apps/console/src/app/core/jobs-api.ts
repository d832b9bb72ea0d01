import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { JobHistory, JobsPage } from '@aether/read-api';

/** An operator's decision on a job, as the API names it. */
export type JobControl = 'cancel' | 'retry-step' | 'skip-step' | 'fail';

/** The read API's job list, one job's history, and the operator controls. */
@Injectable({ providedIn: 'root' })
export class JobsApi {
  private readonly http = inject(HttpClient);

  /** One page; `params` are the filter's query words and the page's cursor. */
  page(params: Record<string, string>): Observable<JobsPage> {
    return this.http.get<JobsPage>('/api/v1/metrics/jobs', { params });
  }

  /** The job's events from the event store (the truth), oldest first. */
  history(jobId: string): Observable<JobHistory> {
    return this.http.get<JobHistory>(`/api/v1/jobs/${encodeURIComponent(jobId)}/events`);
  }

  /** A stored artifact a step of the job names (`ref` from its events), as bytes. */
  artifact(jobId: string, ref: string): Observable<Blob> {
    return this.http.get(`/api/v1/jobs/${encodeURIComponent(jobId)}/artifact`, {
      params: { ref },
      responseType: 'blob',
    });
  }

  /** Sends a control; a note goes in as `reason` for a cancel and `note` otherwise. */
  control(jobId: string, action: JobControl, note?: string): Observable<unknown> {
    const body = note ? (action === 'cancel' ? { reason: note } : { note }) : {};
    return this.http.post(`/api/v1/jobs/${encodeURIComponent(jobId)}/${action}`, body);
  }
}
