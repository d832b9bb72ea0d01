const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A job id short enough for a table cell that still tells jobs apart: a UUID's first 8 digits; a
 * made id (`cron-<schedule>-<fire ms>`, `hook-…-<key hash>`, `mail-…-<digest>`) keeps its head and
 * its tail, where one fire or delivery differs from the next.
 */
export function shortJobId(jobId: string): string {
  if (UUID.test(jobId)) return jobId.slice(0, 8);
  return jobId.length <= 24 ? jobId : `${jobId.slice(0, 12)}…${jobId.slice(-10)}`;
}
