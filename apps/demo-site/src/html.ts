/** Markup that is already escaped; interpolating it into `html` keeps it as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | ReadonlyArray<SafeHtml>;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item: SafeHtml) => item.value).join('');
  // `false`, `null` and `undefined` render nothing so `${cond && html`...`}` reads naturally.
  if (value === false || value === null || value === undefined) return '';
  return escapeHtml(String(value));
}

/** Template tag that escapes every interpolated value except nested `html` fragments. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, part, index) => out + render(values[index - 1]) + part));
}

/** Puts `content` in a `div` of the given class, or leaves it bare when there is none. */
export function wrapField(wrapperClass: string | undefined, content: SafeHtml): SafeHtml {
  return wrapperClass === undefined ? content : html`<div class="${wrapperClass}">${content}</div>`;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { display: flex; justify-content: space-between; align-items: center; padding: .75rem 1.5rem; background: #1d2330; color: #fff; }
  header a, header .brand { color: #fff; text-decoration: none; font-weight: 600; }
  nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; align-items: center; }
  main { max-width: 52rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 6px; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input[type=text], input[type=email], input[type=password], input[type=number], input[type=date], select, textarea {
    display: block; width: 100%; max-width: 24rem; padding: .4rem; margin-top: .25rem; box-sizing: border-box; }
  fieldset { margin-top: 1rem; border: 1px solid #ccd; }
  input[type=checkbox] { margin-top: 1rem; }
  fieldset label, .inline { display: inline; font-weight: normal; margin-right: 1rem; }
  button, .button { margin-top: 1.25rem; padding: .5rem 1.25rem; border: 0; border-radius: 4px; background: #2457d6; color: #fff; font-size: 1rem; cursor: pointer; text-decoration: none; }
  button + button { margin-left: .5rem; }
  header button { margin: 0; background: #3a4256; }
  .alert, [role=alert] { padding: .75rem 1rem; border-radius: 4px; margin-bottom: 1rem; }
  .alert-error, [role=alert] { background: #fde8e8; color: #9b1c1c; }
  [data-field] { display: block; color: #9b1c1c; font-size: .9rem; margin-top: .25rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e2e4ea; }
  .pagination { display: flex; gap: 1rem; margin-top: 1rem; }
`;

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Replaces the default header, e.g. to place a decoy button in it. */
  header?: SafeHtml;
  /** Shows the signed-in navigation. */
  signedIn?: boolean;
}

export function page({ title, body, header, signedIn = false }: PageOptions): string {
  const defaultHeader = html`<header>
  <span class="brand">Aether Demo Shop</span>
  ${signedIn && navigation()}
</header>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Aether Demo Shop</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
${header ?? defaultHeader}
<main>
${body}
</main>
</body>
</html>
`.value;
}

function navigation(): SafeHtml {
  return html`<nav aria-label="Main">
  <ul>
    <li><a id="nav-new-order" href="/orders/new">New order</a></li>
    <li><a id="nav-orders" href="/orders">Orders</a></li>
    <li><a id="nav-upload" href="/upload">Upload</a></li>
    <li><form method="post" action="/logout"><button type="submit" id="logout-button">Sign out</button></form></li>
  </ul>
</nav>`;
}

export interface ErrorPageOptions {
  title: string;
  message: string;
  /** Offers a `#retry-link` back to this address. */
  retryHref?: string;
}

export function errorPage({ title, message, retryHref }: ErrorPageOptions): string {
  return page({
    title,
    body: html`<h1 id="error-title">${title}</h1>
<p id="error-message">${message}</p>
${retryHref !== undefined && html`<p><a id="retry-link" class="button" href="${retryHref}">Try again</a></p>`}
<p><a id="home-link" href="/">Back to start</a></p>`,
  });
}
