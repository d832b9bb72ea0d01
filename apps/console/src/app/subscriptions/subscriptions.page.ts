import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { EMPTY, switchMap } from 'rxjs';
import { polled } from '../core/polled';
import { SubscriptionsApi } from '../core/subscriptions-api';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { TimeComponent } from '../shared/time.component';
import { JobIdPipe } from '../shared/job-id.pipe';

/** Outbound subscriptions: where job events go, how far delivery has come, what was parked. */
@Component({
  selector: 'ae-subscriptions-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EmptyStateComponent, JobIdPipe, TimeComponent],
  template: `
    <h1>Subscriptions</h1>
    @if (list()?.error; as error) {
      <p class="card s-bad" role="alert">
        Could not read the subscriptions: {{ error }}. Retrying every 10 s.
      </p>
    }
    @if (list()?.value; as subs) {
      <section class="card">
        @if (subs.length === 0) {
          <ae-empty title="No subscription">
            <span class="mono">npx aether subscriptions add &lt;https-url&gt;</span> sends job events to an
            endpoint, signed and in job order.
          </ae-empty>
        } @else {
          <table>
            <caption class="visually-hidden">
              Outbound subscriptions, oldest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Events</th>
                <th scope="col">Workflows</th>
                <th scope="col">Created</th>
                <th scope="col">Redeliveries</th>
              </tr>
            </thead>
            <tbody>
              @for (s of subs; track s.subscriptionId) {
                <tr
                  [attr.aria-label]="'Subscription ' + s.subscriptionId"
                  [class.selected]="s.subscriptionId === selected()"
                >
                  <td>
                    <button
                      type="button"
                      class="link mono"
                      (click)="selected.set(s.subscriptionId)"
                      [attr.aria-pressed]="s.subscriptionId === selected()"
                    >
                      {{ s.url }}
                    </button>
                  </td>
                  <td>{{ s.eventTypes.length ? s.eventTypes.join(', ') : 'every job event' }}</td>
                  <td>{{ s.workflowIds.length ? s.workflowIds.join(', ') : 'every workflow' }}</td>
                  <td><ae-time [at]="s.createdAt" /></td>
                  <td>{{ s.generation }}</td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
    }
    @if (deliveries()?.value; as d) {
      <section class="card" aria-labelledby="deliveries">
        <h2 id="deliveries">Deliveries</h2>
        @if (d.progress; as p) {
          <p>
            Delivered through event #{{ p.deliveredThrough }} · {{ p.waiting }} waiting · {{ p.inFlight }} in
            flight{{ p.redelivered ? ' (being retried)' : '' }}
          </p>
        } @else {
          <p class="muted">A redelivery is replacing its consumer.</p>
        }
        <h3>Parked ({{ d.parked.length }})</h3>
        @if (d.parked.length === 0) {
          <p class="muted">Nothing parked: every delivery so far was accepted.</p>
        } @else {
          <table>
            <caption class="visually-hidden">
              Deliveries that kept failing, lowest event first
            </caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Job</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Parked</th>
              </tr>
            </thead>
            <tbody>
              @for (p of d.parked; track p.sequence) {
                <tr [attr.aria-label]="'Parked delivery ' + p.sequence">
                  <td class="mono">#{{ p.sequence }}</td>
                  <td class="mono" [title]="p.jobId">{{ p.jobId | jobId }}</td>
                  <td>{{ p.heldBehind ? 'held behind #' + p.heldBehind : p.attempts }}</td>
                  <td class="s-bad">{{ p.lastError }}</td>
                  <td><ae-time [at]="p.parkedAt" /></td>
                </tr>
              }
            </tbody>
          </table>
          <p class="muted">
            <span class="mono">npx aether subscriptions redeliver &lt;id&gt; --from-sequence &lt;#&gt;</span>
            sends them again once the endpoint is fixed.
          </p>
        }
      </section>
    } @else if (deliveries()?.error; as error) {
      <p class="card s-bad" role="alert">Could not read the deliveries: {{ error }}.</p>
    }
  `,
  styles: `
    .card + .card {
      margin-top: 1rem;
    }
  `,
})
export default class SubscriptionsPage {
  private readonly api = inject(SubscriptionsApi);
  protected readonly list = toSignal(polled(() => this.api.list(), 10_000));
  protected readonly selected = signal<string | undefined>(undefined);
  protected readonly deliveries = toSignal(
    toObservable(this.selected).pipe(
      switchMap((id) => (id ? polled(() => this.api.deliveries(id), 5_000) : EMPTY)),
    ),
  );
}
