import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { Analytics, AnalyticsQuery } from '@aether/read-api';

/** The read API's analytics over a time range. */
@Injectable({ providedIn: 'root' })
export class AnalyticsApi {
  private readonly http = inject(HttpClient);

  analytics(query: { from: string; to: string; bucket: AnalyticsQuery['bucket'] }): Observable<Analytics> {
    return this.http.get<Analytics>('/api/v1/metrics/analytics', { params: { ...query } });
  }
}
