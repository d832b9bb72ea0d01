import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { QueueItemList, QueueItemsQuery, QueueMetrics } from '@aether/read-api';

/** Work queues' figures and items from the read model (ADR 64). */
@Injectable({ providedIn: 'root' })
export class QueuesApi {
  private readonly http = inject(HttpClient);

  queues(): Observable<QueueMetrics> {
    return this.http.get<QueueMetrics>('/api/v1/metrics/queues');
  }

  items(queue: string, query: Partial<QueueItemsQuery>): Observable<QueueItemList> {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params[key] = String(value);
    return this.http.get<QueueItemList>(`/api/v1/metrics/queues/${encodeURIComponent(queue)}/items`, {
      params,
    });
  }
}
