/**
 * Where a subscription may deliver: `https:` anywhere; `http:` only to the hosts the operator
 * allowed (`OUTBOUND_ALLOW_HTTP_HOSTS`, e.g. `127.0.0.1` in development and tests).
 * Returns the reason it may not, or `undefined`.
 */
export function endpointRefusal(url: string, allowHttpHosts: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && allowHttpHosts.includes(parsed.hostname)) return undefined;
  return parsed.protocol === 'http:'
    ? `plain http is allowed only to ${allowHttpHosts.length ? allowHttpHosts.join(', ') : 'no host'} (OUTBOUND_ALLOW_HTTP_HOSTS)`
    : 'must be https';
}
