import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { HealProposal, HookView, MailTriggerView, QuarantineList, ScheduleView } from '@aether/read-api';

/** What starts jobs without a person: cron schedules, webhook and mail triggers. */
@Injectable({ providedIn: 'root' })
export class TriggersApi {
  private readonly http = inject(HttpClient);

  schedules(): Observable<ScheduleView[]> {
    return this.http.get<ScheduleView[]>('/api/v1/schedules');
  }

  hooks(): Observable<HookView[]> {
    return this.http.get<HookView[]>('/api/v1/hooks');
  }

  mailTriggers(): Observable<MailTriggerView[]> {
    return this.http.get<MailTriggerView[]>('/api/v1/mail-triggers');
  }

  /** Pauses (no fire, no delivery accepted) or resumes one; a resumed schedule skips what fell meanwhile. */
  setPaused(kind: TriggerKind, id: string, paused: boolean): Observable<unknown> {
    return this.http.post(`/api/v1/${kind}/${encodeURIComponent(id)}/${paused ? 'pause' : 'resume'}`, {});
  }
}

export type TriggerKind = 'schedules' | 'hooks' | 'mail-triggers';

export type ProposalDecision = 'approve' | 'reject';

/** Proposals of healed selectors and the decision on each. */
@Injectable({ providedIn: 'root' })
export class HealingApi {
  private readonly http = inject(HttpClient);

  proposals(status: HealProposal['status']): Observable<HealProposal[]> {
    return this.http.get<HealProposal[]>('/api/v1/healing/proposals', { params: { status } });
  }

  /** Approve publishes a new version of the workflow with the healed selectors. */
  decide(id: string, decision: ProposalDecision, note?: string): Observable<{ newVersion?: number }> {
    return this.http.post<{ newVersion?: number }>(
      `/api/v1/healing/proposals/${encodeURIComponent(id)}/${decision}`,
      note ? { note } : {},
    );
  }
}

/** Messages consumers set aside, read-only. */
@Injectable({ providedIn: 'root' })
export class QuarantineApi {
  private readonly http = inject(HttpClient);

  list(): Observable<QuarantineList> {
    return this.http.get<QuarantineList>('/api/v1/quarantine');
  }
}
