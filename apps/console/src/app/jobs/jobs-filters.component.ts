import { ChangeDetectionStrategy, Component, input, linkedSignal, output } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { JobStatus } from '@aether/read-api';
import {
  STATUS_LABELS,
  STATUS_OPTIONS,
  isoToLocalInput,
  localInputToIso,
  type JobsFilter,
} from './jobs-filter';

interface Draft {
  workflowId: string;
  robotId: string;
  status: JobStatus | '';
  from: string;
  to: string;
}

/** The Jobs page's filter form: applied on submit, times typed in the viewer's zone. */
@Component({
  selector: 'ae-jobs-filters',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  template: `
    <form class="card" aria-label="Filter jobs" (ngSubmit)="submit()">
      <label
        >Workflow
        <input
          name="workflowId"
          placeholder="any"
          [ngModel]="draft().workflowId"
          (ngModelChange)="set('workflowId', $event)"
      /></label>
      <label
        >Robot
        <input
          name="robotId"
          placeholder="any"
          [ngModel]="draft().robotId"
          (ngModelChange)="set('robotId', $event)"
      /></label>
      <label
        >Status
        <select name="status" [ngModel]="draft().status" (ngModelChange)="set('status', $event)">
          <option value="">Any status</option>
          @for (status of statuses; track status) {
            <option [value]="status">{{ labels[status] }}</option>
          }
        </select>
      </label>
      <label
        >Requested from
        <input
          name="from"
          type="datetime-local"
          [ngModel]="draft().from"
          (ngModelChange)="set('from', $event)"
      /></label>
      <label
        >until
        <input name="to" type="datetime-local" [ngModel]="draft().to" (ngModelChange)="set('to', $event)"
      /></label>
      <div class="actions">
        <button class="primary" type="submit">Apply</button>
        <button type="button" (click)="clear()">Clear</button>
      </div>
    </form>
  `,
  styles: `
    form {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: flex-end;
      margin-bottom: 1rem;
    }
    label {
      display: grid;
      gap: 0.2rem;
      font-size: 0.85rem;
      color: var(--muted);
      font-weight: 600;
    }
    input:not([type]) {
      width: 11rem;
    }
    .actions {
      display: flex;
      gap: 0.5rem;
    }
  `,
})
export class JobsFiltersComponent {
  readonly filter = input.required<JobsFilter>();
  /** The filter to list with, on Apply or Clear (sort kept). */
  readonly apply = output<JobsFilter>();
  protected readonly statuses = STATUS_OPTIONS;
  protected readonly labels = STATUS_LABELS;
  protected readonly draft = linkedSignal<Draft>(() => {
    const filter = this.filter();
    return {
      workflowId: filter.workflowId ?? '',
      robotId: filter.robotId ?? '',
      status: filter.status ?? '',
      from: isoToLocalInput(filter.from),
      to: isoToLocalInput(filter.to),
    };
  });

  protected set<K extends keyof Draft>(key: K, value: Draft[K]): void {
    this.draft.update((draft) => ({ ...draft, [key]: value }));
  }

  protected submit(): void {
    const draft = this.draft();
    const from = localInputToIso(draft.from);
    const to = localInputToIso(draft.to);
    this.apply.emit({
      sort: this.filter().sort,
      order: this.filter().order,
      ...(draft.workflowId.trim() ? { workflowId: draft.workflowId.trim() } : {}),
      ...(draft.robotId.trim() ? { robotId: draft.robotId.trim() } : {}),
      ...(draft.status ? { status: draft.status } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    });
  }

  protected clear(): void {
    this.apply.emit({ sort: this.filter().sort, order: this.filter().order });
  }
}
