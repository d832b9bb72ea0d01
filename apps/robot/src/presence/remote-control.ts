import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects, type RobotControlReply, type RobotControlVerb } from '@aether/contracts';
import type { Logger } from '@aether/service-kit';

export interface RemoteControlActions {
  activeJobs(): readonly string[];
  /** Says `draining`, takes no new work and resolves once the jobs it runs have finished. */
  drain(): Promise<void>;
  /** Begins the process's graceful shutdown (as on SIGTERM): jobs released after their step. */
  shutdown(): void;
}

export interface RemoteControlOptions {
  tenantId: string;
  robotId: string;
  sessionId: string;
}

const encoder = new TextEncoder();
const VERBS: readonly string[] = ['drain', 'stop'] satisfies RobotControlVerb[];

/**
 * Answers an operator's `drain` or `stop` (`subjects.robotControl`), then acts: a drained robot
 * finishes what it runs and exits; a stopped one exits as on SIGTERM. Either way it exits
 * cleanly (code 0), so a supervisor that restarts on failure leaves it stopped, and its
 * goodbye lets the dispatcher place elsewhere whatever waited for it.
 */
export class RemoteControl {
  private subscription?: Subscription;
  private shuttingDown = false;
  private draining?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: RemoteControlOptions,
    private readonly actions: RemoteControlActions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { tenantId, robotId } = this.options;
    this.subscription = this.nc.subscribe(subjects.robotControl(tenantId, robotId, '*'), {
      callback: (error, message) => {
        if (error) return;
        const verb = message.subject.split('.').at(-1) ?? '';
        if (!VERBS.includes(verb)) return;
        const reply: RobotControlReply = {
          robotId,
          sessionId: this.options.sessionId,
          verb: verb as RobotControlVerb,
          activeJobs: [...this.actions.activeJobs()],
        };
        message.respond(encoder.encode(JSON.stringify(reply)));
        this.logger.warn({ activeJobs: reply.activeJobs }, `an operator asked this robot to ${verb}`);
        if (verb === 'stop') this.shutdown();
        else this.drain();
      },
    });
    await this.nc.flush();
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  private drain(): void {
    this.draining ??= this.actions.drain().then(
      () => this.shutdown(),
      (error: unknown) => {
        this.logger.error({ err: error }, 'draining failed; stopping');
        this.shutdown();
      },
    );
  }

  private shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.actions.shutdown();
  }
}
