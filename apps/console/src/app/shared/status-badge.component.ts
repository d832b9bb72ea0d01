import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { statusTone } from './status-tone';

/** A job status or robot state as a coloured badge with its words (colour is never the only cue). */
@Component({
  selector: 'ae-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="badge" [class]="'badge s-' + tone()">{{ label() }}</span>`,
})
export class StatusBadgeComponent {
  readonly status = input.required<string>();
  protected readonly tone = computed(() => statusTone(this.status()));
  protected readonly label = computed(() => this.status().replace(/_/g, ' '));
}
