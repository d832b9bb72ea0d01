import type { LiveFrame } from '@aether/read-api';

/**
 * Where a live subscription resumes after its connection drops: the last stream sequence whose
 * frames all arrived. A frame marked `more` has siblings with the same sequence still to come, so
 * it does not move the point; `subscribed` fixes it when nothing has arrived yet, so a reconnect
 * never turns into "from now" and skips what happened while the socket was down.
 */
export class ResumePoint {
  private complete: number | undefined;

  constructor(since?: number) {
    this.complete = since;
  }

  saw(frame: LiveFrame): void {
    switch (frame.event) {
      case 'subscribed':
        this.complete ??= frame.data.from - 1;
        return;
      case 'job':
      case 'robot':
      case 'queue':
        if (!frame.data.more) this.complete = Math.max(this.complete ?? 0, frame.data.seq);
        return;
      case 'error':
        return;
      default: {
        const _exhaustive: never = frame;
        return _exhaustive;
      }
    }
  }

  /** The `since` to subscribe with now: absent before anything is known (from now on). */
  since(): { since?: number } {
    return this.complete === undefined ? {} : { since: this.complete };
  }
}
