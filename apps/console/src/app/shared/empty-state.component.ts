import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** What an empty list means and what to do next. */
@Component({
  selector: 'ae-empty',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<p class="title">{{ title() }}</p>
    <p class="muted"><ng-content /></p>`,
  styles: `
    :host {
      display: block;
      padding: 1.25rem;
      border: 1px dashed var(--border);
      border-radius: var(--radius);
      text-align: center;
    }
    .title {
      font-weight: 600;
      margin: 0 0 0.25rem;
    }
    p {
      margin: 0;
    }
  `,
})
export class EmptyStateComponent {
  readonly title = input.required<string>();
}
