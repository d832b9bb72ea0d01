import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { localTime, utcTime } from './time-format';

/** An instant in the viewer's zone, with its UTC value on hover. */
@Component({
  selector: 'ae-time',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@if (at(); as value) {
      <time [attr.datetime]="value" [title]="utc()">{{ local() }}</time>
    } @else {
      <span class="muted">—</span>
    }`,
})
export class TimeComponent {
  readonly at = input<string | null | undefined>();
  protected readonly local = computed(() => localTime(this.at() as string));
  protected readonly utc = computed(() => utcTime(this.at() as string));
}
