import { html, page, wrapField, type SafeHtml } from './html';
import { htmlReply, readForm, redirect } from './http';
import type { Route } from './routing';
import { checkCredentials, DEFAULT_DEMO_PASSWORD, expiredSessionCookie, sessionCookie } from './sessions';
import { loginMarkup, readLoginField, type ButtonMarkup, type LoginMarkup } from './variants';

interface LoginState {
  error?: string;
  username?: string;
}

function decoy(button: ButtonMarkup): SafeHtml {
  return html`<button type="button" id="${button.id}" class="${button.className}">${button.text}</button>`;
}

function loginHeader(markup: LoginMarkup): SafeHtml | undefined {
  if (markup.headerDecoys.length === 0) return undefined;
  return html`<header>
  <span class="brand">Aether Demo Shop</span>
  <nav aria-label="Account">${markup.headerDecoys.map(decoy)}</nav>
</header>`;
}

export function loginView(
  markup: LoginMarkup,
  { error, username = '' }: LoginState,
  showPassword = true,
): string {
  const { username: user, password, submit } = markup;
  const body = html`<h1>Welcome back</h1>
${error !== undefined && html`<div class="${markup.errorClass}" role="alert">${error}</div>`}
<form id="${markup.formId}" method="post" action="/login">
  ${wrapField(
    markup.fieldWrapperClass,
    html`<label for="${user.id}">Username</label>
  <input type="text" id="${user.id}" name="${user.name}" value="${username}" autocomplete="username" required>`,
  )}
  ${wrapField(
    markup.fieldWrapperClass,
    html`<label for="${password.id}">Password</label>
  <input type="password" id="${password.id}" name="${password.name}" autocomplete="current-password" required>`,
  )}
  ${submit !== undefined && html`<button type="submit" id="${submit.id}" class="${submit.className}">${submit.text}</button>`}
  ${markup.formDecoys.map(decoy)}
</form>
<p id="login-hint">Demo account: <code>demo</code>${showPassword && html` / <code>${DEFAULT_DEMO_PASSWORD}</code>`}</p>`;
  return page({ title: 'Sign in', body, header: loginHeader(markup) });
}

export const authRoutes: ReadonlyArray<Route> = [
  { method: 'GET', path: '/', access: 'public', handle: () => redirect('/login') },
  {
    method: 'GET',
    path: '/login',
    access: 'public',
    handle: ({ site }) =>
      htmlReply(200, loginView(loginMarkup(site.variant), {}, site.password === DEFAULT_DEMO_PASSWORD)),
  },
  {
    method: 'POST',
    path: '/login',
    access: 'public',
    handle: async ({ req, site, sessionToken }) => {
      const form = await readForm(req);
      const username = readLoginField(form, 'username');
      if (!checkCredentials(username, readLoginField(form, 'password'), site.password)) {
        const view = loginView(
          loginMarkup(site.variant),
          { error: 'Invalid username or password', username },
          site.password === DEFAULT_DEMO_PASSWORD,
        );
        return htmlReply(401, view);
      }
      site.sessions.close(sessionToken);
      return redirect('/orders/new', { 'set-cookie': sessionCookie(site.sessions.open(username)) });
    },
  },
  {
    method: 'POST',
    path: '/logout',
    access: 'public',
    handle: ({ site, sessionToken }) => {
      site.sessions.close(sessionToken);
      return redirect('/login', { 'set-cookie': expiredSessionCookie() });
    },
  },
];
