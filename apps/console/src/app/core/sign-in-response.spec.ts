import { initialTheme } from './theme-choice';
import { tokenOf } from './sign-in-response';

describe('sign-in answers', () => {
  it('finds the bearer token under the names token endpoints use', () => {
    expect(tokenOf({ accessToken: 'a.b.c' })).toBe('a.b.c');
    expect(tokenOf({ access_token: 'd.e.f', token_type: 'Bearer' })).toBe('d.e.f');
  });

  it('refuses an answer without one', () => {
    expect(() => tokenOf({ accessToken: '' })).toThrow(/no token/);
    expect(() => tokenOf('a.b.c')).toThrow(/no token/);
  });
});

describe('the initial theme', () => {
  it("follows the viewer's choice, else the system's preference", () => {
    expect(initialTheme('light', true)).toBe('light');
    expect(initialTheme('dark', false)).toBe('dark');
    expect(initialTheme(null, true)).toBe('dark');
    expect(initialTheme('purple', false)).toBe('light');
  });
});
