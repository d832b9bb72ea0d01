import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { HttpErrorResponse } from '@angular/common/http';
import { AuthApi } from '../core/auth-api';
import { AuthSession } from '../core/auth-session';

/** Shown when the API answers 401: a user name and password for a bearer token. */
@Component({
  selector: 'ae-sign-in-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  template: `
    <form class="card" (ngSubmit)="submit()" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to Aether</h1>
      <p class="muted">The API asked who you are. Your administrator gives you a user name and password.</p>
      <label for="username">User name</label>
      <input id="username" name="username" autocomplete="username" required [(ngModel)]="username" />
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        [(ngModel)]="password"
      />
      @if (error(); as message) {
        <p class="s-bad" role="alert">{{ message }}</p>
      }
      <button class="primary" type="submit" [disabled]="busy()">Sign in</button>
    </form>
  `,
  styles: `
    form {
      max-width: 380px;
      margin: 3rem auto;
      display: grid;
      gap: 0.5rem;
    }
    label {
      font-weight: 600;
      margin-top: 0.5rem;
    }
    button {
      margin-top: 0.75rem;
    }
  `,
})
export default class SignInPage {
  private readonly auth = inject(AuthApi);
  private readonly session = inject(AuthSession);
  private readonly router = inject(Router);
  /** Where to go back to, from `?returnTo=`. */
  readonly returnTo = input<string>();
  protected username = '';
  protected password = '';
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);

  submit(): void {
    this.busy.set(true);
    this.error.set(null);
    this.auth.signIn(this.username, this.password).subscribe({
      next: (token) => {
        this.session.signIn(token);
        const target = this.returnTo();
        void this.router.navigateByUrl(target && target.startsWith('/') ? target : '/fleet');
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(
          error instanceof HttpErrorResponse && (error.status === 401 || error.status === 400)
            ? 'That user name and password do not match.'
            : 'Could not sign in; try again.',
        );
      },
    });
  }
}
