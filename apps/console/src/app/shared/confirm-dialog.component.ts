import {
  ChangeDetectionStrategy,
  Component,
  type ElementRef,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { FormsModule } from '@angular/forms';

/** Asks before an action that changes what runs; a modal `<dialog>` (focus kept inside, Esc dismisses). */
@Component({
  selector: 'ae-confirm',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  template: `
    <dialog #dialog [attr.aria-labelledby]="id + '-title'" (close)="closed()">
      <form method="dialog" (submit)="confirm($event)">
        <h2 [id]="id + '-title'">{{ title() }}</h2>
        <p>{{ message() }}</p>
        <label
          >Note for the record (optional)
          <input name="note" [ngModel]="note()" (ngModelChange)="note.set($event)" maxlength="2000" />
        </label>
        <div class="actions">
          <button type="button" (click)="dialog.close()">{{ dismissLabel() }}</button>
          <button type="submit" class="danger">{{ confirmLabel() }}</button>
        </div>
      </form>
    </dialog>
  `,
  styles: `
    dialog {
      border: 1px solid var(--border);
      border-radius: var(--radius);
      background: var(--surface);
      color: var(--text);
      max-width: 460px;
      padding: 1.25rem;
    }
    dialog::backdrop {
      background: rgb(0 0 0 / 40%);
    }
    label {
      display: grid;
      gap: 0.25rem;
      font-size: 0.85rem;
      color: var(--muted);
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      gap: 0.5rem;
      margin-top: 1rem;
    }
  `,
})
export class ConfirmDialogComponent {
  private static next = 0;
  protected readonly id = `confirm-${ConfirmDialogComponent.next++}`;
  readonly title = input.required<string>();
  readonly message = input.required<string>();
  readonly confirmLabel = input.required<string>();
  readonly dismissLabel = input('Go back');
  /** The person confirmed, with the note they wrote (or an empty string). */
  readonly confirmed = output<string>();
  protected readonly note = signal('');
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  open(): void {
    this.note.set('');
    this.dialog().nativeElement.showModal();
  }

  protected confirm(event: Event): void {
    event.preventDefault();
    const note = this.note().trim();
    this.dialog().nativeElement.close();
    this.confirmed.emit(note);
  }

  protected closed(): void {
    this.note.set('');
  }
}
