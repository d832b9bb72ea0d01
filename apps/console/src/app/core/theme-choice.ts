export type ThemeName = 'light' | 'dark';

/** A stored choice wins; otherwise the system's preference. */
export function initialTheme(stored: string | null, prefersDark: boolean): ThemeName {
  if (stored === 'light' || stored === 'dark') return stored;
  return prefersDark ? 'dark' : 'light';
}
