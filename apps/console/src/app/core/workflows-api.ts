import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { WorkflowVersionList } from '@aether/read-api';
import type { InputSpec } from '../workflows/trigger-form';

export interface WorkflowListItem {
  readonly workflowId: string;
  readonly name: string | null;
  readonly latestVersion: number;
  readonly publishedAt: string;
}

export interface WorkflowVersion {
  readonly workflowId: string;
  readonly version: number;
  readonly name: string | null;
  readonly definition: { readonly description?: string; readonly inputs?: Record<string, InputSpec> };
}

/** Workflows and their trigger. */
@Injectable({ providedIn: 'root' })
export class WorkflowsApi {
  private readonly http = inject(HttpClient);

  list(): Observable<WorkflowListItem[]> {
    return this.http.get<WorkflowListItem[]>('/api/v1/workflows');
  }

  /** The latest version, or the one asked for. */
  version(workflowId: string, version?: number): Observable<WorkflowVersion> {
    return this.http.get<WorkflowVersion>(`/api/v1/workflows/${encodeURIComponent(workflowId)}`, {
      params: version === undefined ? {} : { version },
    });
  }

  versions(workflowId: string): Observable<WorkflowVersionList> {
    return this.http.get<WorkflowVersionList>(`/api/v1/workflows/${encodeURIComponent(workflowId)}/versions`);
  }

  trigger(
    workflowId: string,
    variables: Record<string, unknown>,
    priority: number,
    workflowVersion?: number,
  ): Observable<{ jobId: string }> {
    return this.http.post<{ jobId: string }>(`/api/v1/workflows/${encodeURIComponent(workflowId)}/trigger`, {
      variables,
      priority,
      ...(workflowVersion === undefined ? {} : { workflowVersion }),
    });
  }
}
