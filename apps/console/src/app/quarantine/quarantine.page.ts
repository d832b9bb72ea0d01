import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { polled } from '../core/polled';
import { QuarantineApi } from '../core/operations-api';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { TimeComponent } from '../shared/time.component';

/** Messages consumers set aside (failed validation, or kept failing), with why; read-only. */
@Component({
  selector: 'ae-quarantine-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EmptyStateComponent, TimeComponent],
  template: `
    <h1>Quarantine</h1>
    @if (state()?.error; as error) {
      <p class="card s-bad" role="alert">Could not read quarantine: {{ error }}. Retrying every 30 s.</p>
    }
    @if (state()?.value; as q) {
      <section class="card">
        @if (q.total === 0) {
          <ae-empty title="Nothing in quarantine">
            A message lands here when a service cannot read it (a malformed or unknown version) or keeps
            failing on it; nothing to do until then.
          </ae-empty>
        } @else {
          <p class="muted">
            {{ q.total }} message{{ q.total === 1 ? '' : 's' }} set aside
            @if (q.messages.length < q.total) {
              , the newest {{ q.messages.length }} shown
            }
            . Once the consumer is fixed,
            <span class="mono">npx aether quarantine --requeue &lt;#&gt;</span> sends a command again.
          </p>
          <table>
            <caption class="visually-hidden">
              Quarantined messages, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Set aside</th>
                <th scope="col">Consumer</th>
                <th scope="col">From</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              @for (m of q.messages; track m.sequence) {
                <tr [attr.aria-label]="'Quarantined message ' + m.sequence">
                  <td class="mono">{{ m.sequence }}</td>
                  <td><ae-time [at]="m.quarantinedAt" /></td>
                  <td class="mono">{{ m.consumer }}</td>
                  <td>
                    <span class="mono">{{ m.origin.subject }}</span>
                    <span class="muted"> ({{ m.origin.stream }} #{{ m.origin.sequence }})</span>
                  </td>
                  <td class="reason">{{ m.reason }}</td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
    } @else if (!state()?.error) {
      <p class="muted" aria-live="polite">Loading quarantine…</p>
    }
  `,
  styles: `
    .reason {
      overflow-wrap: anywhere;
    }
  `,
})
export default class QuarantinePage {
  private readonly api = inject(QuarantineApi);
  protected readonly state = toSignal(polled(() => this.api.list(), 30_000));
}
