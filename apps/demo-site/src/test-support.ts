// Helpers shared by this app's specs: real HTTP against a real site, no mocks.
import type { DemoSite } from './types';

export const VALID_ORDER: Readonly<Record<string, string>> = {
  customer: 'Ada Lovelace',
  email: 'ada@example.com',
  product: 'gizmo',
  quantity: '3',
  deliveryDate: '2031-05-17',
  shipping: 'express',
  giftWrap: 'yes',
  notes: 'Leave at the door',
};

/** GET without following redirects, so tests see 303s and their cookies. */
export function get(url: string, cookie?: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });
}

export function postForm(
  url: string,
  fields: Readonly<Record<string, string>>,
  cookie?: string,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie === undefined ? {} : { cookie }),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

export function postJson(url: string, value: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
}

/** Signs in as the demo user and returns the `cookie` header value for later requests. */
export async function signIn(
  site: DemoSite,
  fields: Readonly<Record<string, string>> = { username: 'demo', password: 'demo-password' },
): Promise<string> {
  const response = await postForm(`${site.url}/login`, fields);
  if (response.status !== 303) throw new Error(`Sign-in failed with status ${response.status}`);
  const [setCookie] = response.headers.getSetCookie();
  return setCookie.split(';')[0];
}

export async function placeOrder(
  site: DemoSite,
  cookie: string,
  fields: Readonly<Record<string, string>> = VALID_ORDER,
): Promise<Response> {
  return postForm(`${site.url}/orders/new`, fields, cookie);
}

/** The opening tag of the element with this id, or undefined. */
export function openingTag(html: string, id: string): string | undefined {
  return new RegExp(`<[a-z0-9]+\\b[^>]*\\bid="${id}"[^>]*>`, 'i').exec(html)?.[0];
}

/** Text inside the element with this id (no nested elements of the same tag). */
export function textOf(html: string, id: string): string | undefined {
  return new RegExp(`<([a-z0-9]+)\\b[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`, 'i').exec(html)?.[2].trim();
}

export function countMatches(html: string, pattern: RegExp): number {
  return html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}
