import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  inject,
  input,
  signal,
  type OnInit,
} from '@angular/core';
import { JobsApi } from '../core/jobs-api';
import { describeError } from '../core/polled';

/**
 * A step's stored artifact, fetched with the session's token (an `<img src>` could not carry it):
 * a screenshot is shown, a DOM snapshot is offered as a text file to download.
 */
@Component({
  selector: 'ae-artifact',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@if (url(); as src) {
      @if (kind() === 'screenshot') {
        <figure>
          <img [src]="src" [alt]="label()" />
          <figcaption class="muted">{{ label() }}</figcaption>
        </figure>
      } @else {
        <a [href]="src" [attr.download]="kind() + '.txt'">{{ label() }} ({{ kind() }})</a>
      }
    } @else if (error(); as problem) {
      <span class="s-bad">{{ label() }}: {{ problem }}</span>
    }`,
  styles: `
    figure {
      margin: 0.5rem 0;
    }
    img {
      max-width: 100%;
      max-height: 420px;
      border: 1px solid var(--border);
      border-radius: 4px;
    }
  `,
})
export class ArtifactComponent implements OnInit {
  readonly jobId = input.required<string>();
  readonly artifactRef = input.required<string>();
  readonly kind = input.required<string>();
  readonly label = input.required<string>();
  private readonly api = inject(JobsApi);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly url = signal<string | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);

  ngOnInit(): void {
    const subscription = this.api.artifact(this.jobId(), this.artifactRef()).subscribe({
      next: (blob) => this.url.set(URL.createObjectURL(blob)),
      error: (error: unknown) => this.error.set(describeError(error)),
    });
    this.destroyRef.onDestroy(() => {
      subscription.unsubscribe();
      const url = this.url();
      if (url) URL.revokeObjectURL(url);
    });
  }
}
