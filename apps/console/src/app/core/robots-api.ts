import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { RobotMetrics } from '@aether/read-api';

/** The read API's robot figures. */
@Injectable({ providedIn: 'root' })
export class RobotsApi {
  private readonly http = inject(HttpClient);

  robot(robotId: string): Observable<RobotMetrics> {
    return this.http.get<RobotMetrics>(`/api/v1/metrics/robots/${encodeURIComponent(robotId)}`);
  }
}
