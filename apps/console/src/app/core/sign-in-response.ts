/** The bearer token in a sign-in answer (`accessToken`, or OAuth's `access_token`). */
export function tokenOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    for (const key of ['accessToken', 'access_token', 'token'])
      if (typeof record[key] === 'string' && record[key]) return record[key];
  }
  throw new Error('the sign-in answer carries no token');
}
