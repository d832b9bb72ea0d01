import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Subject, combineLatest, map } from 'rxjs';
import { describeError, polled } from '../core/polled';
import { TriggersApi, type TriggerKind } from '../core/operations-api';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { TimeComponent } from '../shared/time.component';

/** What starts jobs without a person: cron schedules with their next fire, webhook and mail triggers. */
@Component({
  selector: 'ae-schedules-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EmptyStateComponent, TimeComponent],
  template: `
    <h1>Schedules</h1>
    @if (outcome(); as o) {
      <p class="card" [class.s-bad]="!o.ok" [attr.role]="o.ok ? 'status' : 'alert'">{{ o.text }}</p>
    }
    @if (state()?.error; as error) {
      <p class="card s-bad" role="alert">Could not read the schedules: {{ error }}. Retrying every 30 s.</p>
    }
    @if (state()?.value; as v) {
      <section class="card" aria-labelledby="cron-title">
        <h2 id="cron-title">Cron schedules</h2>
        @if (v.schedules.length === 0) {
          <ae-empty title="No cron schedule yet">
            Create one with <span class="mono">POST /api/v1/schedules</span> (a workflow, a cron expression, a
            time zone and a misfire policy; docs/orchestration.md); it appears here with its next fire.
          </ae-empty>
        } @else {
          <table>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Workflow</th>
                <th scope="col">Cron</th>
                <th scope="col">Time zone</th>
                <th scope="col">If missed</th>
                <th scope="col">Priority</th>
                <th scope="col">Next fire</th>
                <th scope="col">Last fire</th>
                <th scope="col"><span class="visually-hidden">Pause or resume</span></th>
              </tr>
            </thead>
            <tbody>
              @for (s of v.schedules; track s.scheduleId) {
                <tr [attr.aria-label]="'Schedule ' + s.scheduleId">
                  <td class="mono">{{ s.scheduleId }}</td>
                  <td>
                    {{ s.workflowId }}
                    @if (s.workflowVersion) {
                      <span class="muted"> v{{ s.workflowVersion }}</span>
                    }
                  </td>
                  <td class="mono">{{ s.cron }}</td>
                  <td>{{ s.timezone }}</td>
                  <td>{{ s.misfirePolicy === 'fire_once' ? 'fire once, late' : 'skip' }}</td>
                  <td>{{ s.priority }}</td>
                  <td>
                    @if (s.paused) {
                      <span class="badge s-idle">paused</span>
                    } @else {
                      <ae-time [at]="s.nextRunAt" />
                    }
                  </td>
                  <td>
                    @if (s.lastFire; as fire) {
                      <ae-time [at]="fire.firedAt" />
                      @if (fire.refused; as refused) {
                        <span class="badge s-bad">refused</span>
                        <span class="muted">{{ refused.reason }}</span>
                      }
                    } @else {
                      <span class="muted">none yet</span>
                    }
                  </td>
                  <td>
                    <button type="button" (click)="setPaused('schedules', s.scheduleId, !s.paused)">
                      {{ s.paused ? 'Resume' : 'Pause' }}
                    </button>
                  </td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
      <section class="card" aria-labelledby="hooks-title">
        <h2 id="hooks-title">Webhook triggers</h2>
        @if (v.hooks.length === 0) {
          <ae-empty title="No webhook trigger yet">
            Create one with <span class="mono">POST /api/v1/hooks</span>; its secret is shown once, and
            deliveries signed with it (HMAC-SHA256) start the workflow.
          </ae-empty>
        } @else {
          <table>
            <thead>
              <tr>
                <th scope="col">Delivery URL</th>
                <th scope="col">Workflow</th>
                <th scope="col">Priority</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col"><span class="visually-hidden">Pause or resume</span></th>
              </tr>
            </thead>
            <tbody>
              @for (h of v.hooks; track h.hookId) {
                <tr [attr.aria-label]="'Webhook ' + h.hookId">
                  <td class="mono">{{ h.url }}</td>
                  <td>{{ h.workflowId }}</td>
                  <td>{{ h.priority }}</td>
                  <td>
                    <span class="badge" [class]="h.paused ? 'badge s-idle' : 'badge s-ok'">{{
                      h.paused ? 'paused' : 'active'
                    }}</span>
                  </td>
                  <td><ae-time [at]="h.createdAt" /></td>
                  <td>
                    <button type="button" (click)="setPaused('hooks', h.hookId, !h.paused)">
                      {{ h.paused ? 'Resume' : 'Pause' }}
                    </button>
                  </td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
      <section class="card" aria-labelledby="mail-title">
        <h2 id="mail-title">Mail triggers</h2>
        @if (v.mailTriggers.length === 0) {
          <ae-empty title="No mail trigger yet">
            Create one with <span class="mono">npx aether mail-triggers add</span> or
            <span class="mono">POST /api/v1/mail-triggers</span>: a job per new message of a mailbox whose URL
            is a secret (docs/office-nodes.md).
          </ae-empty>
        } @else {
          <table>
            <thead>
              <tr>
                <th scope="col">Trigger</th>
                <th scope="col">Workflow</th>
                <th scope="col">Mailbox</th>
                <th scope="col">Filter</th>
                <th scope="col">State</th>
                <th scope="col">Last message</th>
                <th scope="col"><span class="visually-hidden">Pause or resume</span></th>
              </tr>
            </thead>
            <tbody>
              @for (m of v.mailTriggers; track m.triggerId) {
                <tr [attr.aria-label]="'Mail trigger ' + m.triggerId">
                  <td class="mono">{{ m.triggerId }}</td>
                  <td>{{ m.workflowId }}</td>
                  <td>
                    <span class="mono">{{ m.imapSecret }}</span> · {{ m.mailbox }}
                  </td>
                  <td>
                    @if (m.from) {
                      from “{{ m.from }}”
                    }
                    @if (m.subject) {
                      subject “{{ m.subject }}”
                    }
                    @if (!m.from && !m.subject) {
                      <span class="muted">every message</span>
                    }
                  </td>
                  <td>
                    <span class="badge" [class]="m.paused ? 'badge s-idle' : 'badge s-ok'">{{
                      m.paused ? 'paused' : 'watching'
                    }}</span>
                  </td>
                  <td>
                    @if (m.lastFire; as fire) {
                      <ae-time [at]="fire.firedAt" /> <span class="muted mono">UID {{ fire.uid }}</span>
                      @if (fire.refused; as refused) {
                        <span class="badge s-bad">refused</span>
                        <span class="muted">{{ refused.reason }}</span>
                      }
                    } @else {
                      <span class="muted">none yet</span>
                    }
                  </td>
                  <td>
                    <button type="button" (click)="setPaused('mail-triggers', m.triggerId, !m.paused)">
                      {{ m.paused ? 'Resume' : 'Pause' }}
                    </button>
                  </td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
    } @else if (!state()?.error) {
      <p class="muted" aria-live="polite">Loading the schedules…</p>
    }
  `,
  styles: `
    .card + .card {
      margin-top: 1rem;
    }
  `,
})
export default class SchedulesPage {
  private readonly api = inject(TriggersApi);
  private readonly changed = new Subject<void>();
  protected readonly state = toSignal(
    polled(
      () =>
        combineLatest([this.api.schedules(), this.api.hooks(), this.api.mailTriggers()]).pipe(
          map(([schedules, hooks, mailTriggers]) => ({ schedules, hooks, mailTriggers })),
        ),
      30_000,
      this.changed,
    ),
  );
  protected readonly outcome = signal<{ ok: boolean; text: string } | undefined>(undefined);

  /** Reversible, so asked without a dialog; the page says what changed and reads the lists again. */
  protected setPaused(kind: TriggerKind, id: string, paused: boolean): void {
    const what = `${KIND_LABEL[kind]} ${id}`;
    this.outcome.set(undefined);
    this.api.setPaused(kind, id, paused).subscribe({
      next: () => {
        this.outcome.set({
          ok: true,
          text: paused ? `${what} paused.` : `${what} resumed ${RESUMED[kind]}.`,
        });
        this.changed.next();
      },
      error: (error: unknown) =>
        this.outcome.set({
          ok: false,
          text: `${what} not ${paused ? 'paused' : 'resumed'}: ${describeError(error)}`,
        }),
    });
  }
}

const KIND_LABEL: Record<TriggerKind, string> = {
  schedules: 'Schedule',
  hooks: 'Webhook',
  'mail-triggers': 'Mail trigger',
};

const RESUMED: Record<TriggerKind, string> = {
  schedules: '(what fell due while paused is not fired)',
  hooks: '(deliveries refused while paused stay refused; new ones start jobs)',
  'mail-triggers': '(messages that arrived while paused start jobs now)',
};
