import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { FleetMetrics } from '@aether/read-api';

/** The read API's fleet figures. */
@Injectable({ providedIn: 'root' })
export class FleetApi {
  private readonly http = inject(HttpClient);

  fleet(): Observable<FleetMetrics> {
    return this.http.get<FleetMetrics>('/api/v1/metrics/fleet');
  }
}
