export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

/** The colour family of a job status or robot state. */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'completed':
    case 'idle':
      return 'ok';
    case 'running':
    case 'busy':
      return 'busy';
    case 'needs_attention':
    case 'ambiguous':
    case 'retry_scheduled':
    case 'draining':
      return 'warn';
    case 'failed':
    case 'rejected':
    case 'offline':
      return 'bad';
    default:
      return 'idle';
  }
}
