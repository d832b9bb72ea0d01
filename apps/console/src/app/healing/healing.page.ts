import { ChangeDetectionStrategy, Component, inject, signal, viewChild } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import type { HealProposal } from '@aether/read-api';
import { BehaviorSubject, combineLatest, switchMap } from 'rxjs';
import { HealingApi, type ProposalDecision } from '../core/operations-api';
import { describeError, polled } from '../core/polled';
import { ConfirmDialogComponent } from '../shared/confirm-dialog.component';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { JobIdPipe } from '../shared/job-id.pipe';

const EMPTY_HINT: Record<HealProposal['status'], string> = {
  open: 'When a robot heals a broken selector, the healer proposes the new one here; approve it to publish a workflow version that uses it.',
  approved: 'An approved proposal shows here with the workflow version it published.',
  rejected: 'A rejected proposal shows here with the note given.',
};

/** Selectors robots healed, proposed as workflow patches: old and new selector side by side, approve or reject. */
@Component({
  selector: 'ae-healing-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ConfirmDialogComponent,
    EmptyStateComponent,
    FormsModule,
    JobIdPipe,
    RouterLink,
    StatusBadgeComponent,
    TimeComponent,
  ],
  templateUrl: './healing.page.html',
  styleUrl: './healing.page.css',
})
export default class HealingPage {
  private readonly api = inject(HealingApi);
  protected readonly status = signal<HealProposal['status']>('open');
  protected readonly hint = EMPTY_HINT;
  private readonly reload = new BehaviorSubject<void>(undefined);
  protected readonly state = toSignal(
    combineLatest([toObservable(this.status), this.reload]).pipe(
      switchMap(([status]) => polled(() => this.api.proposals(status), 15_000)),
    ),
  );
  protected readonly pending = signal<{ proposal: HealProposal; decision: ProposalDecision } | undefined>(
    undefined,
  );
  protected readonly outcome = signal<{ ok: boolean; text: string } | undefined>(undefined);
  private readonly confirm = viewChild(ConfirmDialogComponent);

  protected ask(proposal: HealProposal, decision: ProposalDecision): void {
    this.outcome.set(undefined);
    this.pending.set({ proposal, decision });
    queueMicrotask(() => this.confirm()?.open());
  }

  protected title(): string {
    const pending = this.pending();
    if (!pending) return '';
    return `${pending.decision === 'approve' ? 'Approve' : 'Reject'} the proposal for ${pending.proposal.workflowId}?`;
  }

  protected decide(note: string): void {
    const pending = this.pending();
    if (!pending) return;
    const { proposal, decision } = pending;
    this.api.decide(proposal.id, decision, note || undefined).subscribe({
      next: ({ newVersion }) => {
        this.outcome.set({
          ok: true,
          text:
            decision === 'approve'
              ? `Approved: ${proposal.workflowId} version ${newVersion ?? '?'} uses the healed selectors.`
              : `Rejected: ${proposal.workflowId} keeps its selectors.`,
        });
        this.reload.next();
      },
      error: (error: unknown) =>
        this.outcome.set({ ok: false, text: `Not ${decision}d: ${describeError(error)}` }),
    });
  }
}
