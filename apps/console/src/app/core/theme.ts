import { Injectable, computed, signal } from '@angular/core';
import { initialTheme, type ThemeName } from './theme-choice';

const STORAGE_KEY = 'aether.theme';

/** Light or dark: the viewer's system preference until they pick one, which is remembered. */
@Injectable({ providedIn: 'root' })
export class Theme {
  readonly current = signal<ThemeName>(
    initialTheme(localStorage.getItem(STORAGE_KEY), matchMedia('(prefers-color-scheme: dark)').matches),
  );
  readonly other = computed<ThemeName>(() => (this.current() === 'dark' ? 'light' : 'dark'));

  constructor() {
    this.apply();
  }

  toggle(): void {
    this.current.set(this.other());
    localStorage.setItem(STORAGE_KEY, this.current());
    this.apply();
  }

  private apply(): void {
    document.documentElement.dataset['theme'] = this.current();
  }
}
