export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

/** The colour family of a job status, a queue item's status or a robot state. */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'completed':
    case 'successful':
    case 'idle':
      return 'ok';
    case 'running':
    case 'in-progress':
    case 'busy':
      return 'busy';
    case 'needs_attention':
    case 'ambiguous':
    case 'retry_scheduled':
    case 'retried':
    case 'draining':
      return 'warn';
    case 'failed':
    case 'rejected':
    case 'abandoned':
    case 'offline':
      return 'bad';
    default:
      return 'idle';
  }
}
