import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { catchError, map, of, switchMap } from 'rxjs';
import { describeError } from '../core/polled';
import type { WorkflowVersionList } from '@aether/read-api';
import { WorkflowsApi, type WorkflowListItem, type WorkflowVersion } from '../core/workflows-api';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { TimeComponent } from '../shared/time.component';
import { inputFields, variablesFrom } from './trigger-form';

interface Listed {
  readonly workflows: readonly WorkflowListItem[];
  readonly error?: string;
}

/** The tenant's workflows; pick one to trigger it with variables from its input schema. */
@Component({
  selector: 'ae-workflows-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EmptyStateComponent, FormsModule, RouterLink, TimeComponent],
  templateUrl: './workflows.page.html',
  styleUrl: './workflows.page.css',
})
export default class WorkflowsPage {
  private readonly api = inject(WorkflowsApi);
  protected readonly list = toSignal(
    this.api.list().pipe(
      map((workflows): Listed => ({ workflows })),
      catchError((error: unknown) => of<Listed>({ error: describeError(error), workflows: [] })),
    ),
  );
  protected readonly selected = signal<string | undefined>(undefined);
  /** The version to trigger; undefined: the latest. */
  protected readonly pinned = signal<number | undefined>(undefined);
  private readonly selection = computed(() => ({ id: this.selected(), version: this.pinned() }));
  protected readonly version = toSignal(
    toObservable(this.selection).pipe(
      switchMap(({ id, version }) =>
        id
          ? this.api.version(id, version).pipe(catchError(() => of<WorkflowVersion | undefined>(undefined)))
          : of<WorkflowVersion | undefined>(undefined),
      ),
    ),
  );
  protected readonly versions = toSignal(
    toObservable(this.selected).pipe(
      switchMap((id) =>
        id
          ? this.api.versions(id).pipe(catchError(() => of<WorkflowVersionList | undefined>(undefined)))
          : of<WorkflowVersionList | undefined>(undefined),
      ),
    ),
  );
  protected readonly fields = computed(() => inputFields(this.version()?.definition.inputs));
  protected readonly values = signal<Record<string, string>>({});
  protected readonly priority = signal(10);
  protected readonly problems = signal<Record<string, string>>({});
  protected readonly result = signal<{ jobId?: string; error?: string } | undefined>(undefined);
  /** A trigger is on its way: a second click (a double-click) must not request a second job. */
  protected readonly sending = signal(false);

  protected choose(workflowId: string): void {
    this.selected.set(workflowId);
    this.pin(undefined);
  }

  /** Triggers at `version` from now on (undefined: the latest). */
  protected pin(version: number | undefined): void {
    this.pinned.set(version);
    this.values.set({});
    this.problems.set({});
    this.result.set(undefined);
  }

  protected value(name: string, initial: string): string {
    return this.values()[name] ?? initial;
  }

  protected set(name: string, value: string | boolean): void {
    this.values.update((values) => ({ ...values, [name]: String(value) }));
  }

  protected trigger(): void {
    const workflowId = this.selected();
    if (!workflowId || this.sending()) return;
    const { variables, problems } = variablesFrom(this.fields(), this.values());
    this.problems.set(problems);
    if (Object.keys(problems).length) return;
    this.result.set(undefined);
    this.sending.set(true);
    this.api.trigger(workflowId, variables, this.priority(), this.pinned()).subscribe({
      next: ({ jobId }) => {
        this.sending.set(false);
        this.result.set({ jobId });
      },
      error: (error: unknown) => {
        this.sending.set(false);
        this.result.set({ error: describeError(error) });
      },
    });
  }
}
