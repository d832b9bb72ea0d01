import type { JsMsg } from '@nats-io/jetstream';
import { JOB_EVENTS, MessageRegistry, subjects, type JobEvent } from '@aether/contracts';
import type { EventStore, EventSubscription } from '@aether/event-store';
import type { Logger } from '@aether/service-kit';
import { TraceOrigins } from '@aether/telemetry';
import type { Dispatcher } from './dispatcher';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const CAUGHT_UP_AFTER_QUIET_MS = 300;
/** After these a job is never placed again (a failed one may be retried or requeued). */
const FINAL: ReadonlySet<string> = new Set(['JobCompleted', 'JobCancelled', 'JobRejected']);
/** Names the feed's rejects in quarantine (`aether quarantine --consumer dispatcher-job-feed`). */
export const JOB_FEED_CONSUMER = 'dispatcher-job-feed';

/**
 * Feeds every job event to the dispatcher in stream order through an ordered consumer — no
 * acks, because the dispatcher's position is its own state: at start-up it replays from the
 * lowest sequence of any job still open (`replayFrom`), after a broken subscription it
 * resumes right after the last event it applied. A consumer whose node died while this
 * connection survived is replaced by the subscription itself (missed heartbeats).
 */
export class JobFeed {
  private subscription?: EventSubscription;
  private running?: Promise<void>;
  private stopping = false;
  private position = 0;

  constructor(
    private readonly store: EventStore,
    private readonly dispatcher: Dispatcher,
    private readonly logger: Logger,
    /** Where each job's trace began: its request's headers (placements join that trace). */
    private readonly origins = new TraceOrigins(),
  ) {}

  start(from: number): void {
    this.position = from - 1;
    this.running = this.loop();
  }

  /** Subscribes again right after the last event applied (e.g. the server restarted). */
  restart(): void {
    this.subscription?.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.subscription?.stop();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let idle: NodeJS.Timeout | undefined;
      try {
        const from = this.position + 1;
        this.logger.info({ from }, 'following job events');
        this.subscription = await this.store.subscribe(subjects.eventsOf('job'), from, {
          batch: 1024,
          onResume: ({ from: resumeAt, error }) =>
            error
              ? this.logger.warn(
                  { err: error, from: resumeAt },
                  'job feed: no new consumer yet; trying again',
                )
              : this.logger.warn({ from: resumeAt }, 'job feed consumer went silent: following on a new one'),
        });
        // Caught up when the server reports nothing pending, or else once the stream stays quiet
        // for a moment: nothing to replay delivers nothing, and nats-server 2.9 can overcount
        // `pending` for a filtered consumer started mid-stream so that it never reaches 0.
        let caughtUp = false;
        const markCaughtUp = () => {
          clearTimeout(idle);
          caughtUp = true;
          this.dispatcher.markReady();
        };
        const quiet = () => {
          clearTimeout(idle);
          idle = setTimeout(markCaughtUp, CAUGHT_UP_AFTER_QUIET_MS);
        };
        quiet();
        for await (const message of this.subscription) {
          const parsed = jobEvents.parseEvents(message.data);
          if (parsed.ok) {
            this.traceOrigin(message, parsed.messages);
            parsed.messages.forEach((event, part) =>
              this.dispatcher.onEvent(message.subject, message.seq, event, part),
            );
          } else await this.setAside(message, parsed.reason);
          this.position = message.seq;
          if (caughtUp) continue;
          if (message.info.pending === 0) markCaughtUp();
          else quiet();
        }
      } catch (error) {
        if (this.stopping) break;
        this.logger.error({ err: error }, 'job feed broke; resuming after the last event applied');
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        clearTimeout(idle);
      }
    }
  }

  private traceOrigin(message: JsMsg, events: readonly JobEvent[]): void {
    if (events[0].type === 'JobRequested') this.origins.remember(message.subject, message.headers);
    else if (FINAL.has(events[events.length - 1].type)) this.origins.forget(message.subject);
  }

  /**
   * An event the dispatcher cannot read goes to quarantine before the feed moves past it; if
   * that fails, the feed breaks and resumes at that event. The dispatcher's view of the job
   * then lacks the event (an unread completion leaves it counted as running), so it is
   * logged as an error naming the job's subject.
   */
  private async setAside(message: JsMsg, reason: string): Promise<void> {
    await this.store.quarantine(JOB_FEED_CONSUMER, message, reason);
    this.logger.error({ seq: message.seq, subject: message.subject, reason }, 'job event quarantined');
  }
}
