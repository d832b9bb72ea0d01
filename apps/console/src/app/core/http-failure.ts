const MAX_PROBLEMS = 5;

/**
 * A failed call as the page says it: the status, then the reason the API gave (its problem's
 * `detail`, or each problem with its path), so a refused action says why. Status 0: no answer.
 */
export function httpFailure(status: number, statusText: string, body: unknown): string {
  if (!status) return 'no answer';
  const reason = problemReason(body);
  return `${status} ${statusText}${reason ? `: ${reason}` : ''}`;
}

/** The gateway answers `{detail, problems?: [{path, message}]}` (RFC 9457); anything else says nothing. */
function problemReason(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { detail, problems } = body as { detail?: unknown; problems?: unknown };
  const text = typeof detail === 'string' ? detail : '';
  const listed = (Array.isArray(problems) ? (problems as unknown[]) : []).flatMap((problem) => {
    const { path, message } = (problem ?? {}) as { path?: unknown; message?: unknown };
    return typeof path === 'string' && typeof message === 'string' ? [`${path}: ${message}`] : [];
  });
  // A detail that already names its problems (a trigger's inputs) is whole; a generic one is not.
  if (listed.every((problem) => text.includes(problem))) return text || undefined;
  const more = listed.length > MAX_PROBLEMS ? ` (and ${listed.length - MAX_PROBLEMS} more)` : '';
  return `${text ? `${text}: ` : ''}${listed.slice(0, MAX_PROBLEMS).join('; ')}${more}`;
}
