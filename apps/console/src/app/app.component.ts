import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthSession } from './core/auth-session';
import { Theme } from './core/theme';

/** The shell: navigation, theme switch and the signed-in state around every page. */
@Component({
  selector: 'ae-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <a class="skip" href="#main">Skip to content</a>
    <header>
      <a class="brand" routerLink="/fleet">Aether</a>
      <nav aria-label="Main">
        @for (link of links; track link.path) {
          <a [routerLink]="link.path" routerLinkActive="active" ariaCurrentWhenActive="page">{{
            link.label
          }}</a>
        }
      </nav>
      <span class="spacer"></span>
      @if (session.token()) {
        <button type="button" (click)="session.signOut()">Sign out</button>
      }
      <button
        type="button"
        (click)="theme.toggle()"
        [attr.aria-label]="'Switch to ' + theme.other() + ' theme'"
      >
        {{ theme.current() === 'dark' ? 'Light' : 'Dark' }} theme
      </button>
    </header>
    <main id="main" tabindex="-1"><router-outlet /></main>
  `,
  styles: `
    header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
      padding: 0.6rem 1.5rem;
      background: var(--surface);
      border-bottom: 1px solid var(--border);
    }
    .brand {
      font-weight: 700;
      text-decoration: none;
      color: var(--text);
      font-size: 1.1rem;
    }
    nav {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem;
    }
    nav a {
      white-space: nowrap;
      padding: 0.3rem 0.7rem;
      border-radius: 6px;
      text-decoration: none;
      color: var(--muted);
    }
    nav a.active {
      background: var(--surface-2);
      color: var(--text);
      font-weight: 600;
    }
    .spacer {
      flex: 1;
    }
    header button {
      white-space: nowrap;
    }
    main {
      padding: 1.25rem 1.5rem 3rem;
      max-width: 1400px;
      margin: 0 auto;
    }
    .skip {
      position: absolute;
      left: -999px;
    }
    .skip:focus {
      left: 1rem;
      top: 0.5rem;
    }
  `,
})
export class AppComponent {
  protected readonly session = inject(AuthSession);
  protected readonly theme = inject(Theme);
  protected readonly links = [
    { path: '/fleet', label: 'Fleet' },
    { path: '/jobs', label: 'Jobs' },
    { path: '/analytics', label: 'Analytics' },
    { path: '/workflows', label: 'Workflows' },
    { path: '/queues', label: 'Queues' },
    { path: '/schedules', label: 'Schedules' },
    { path: '/dead-letters', label: 'Dead letters' },
    { path: '/healing', label: 'Healing' },
    { path: '/subscriptions', label: 'Subscriptions' },
    { path: '/quarantine', label: 'Quarantine' },
  ];
}
