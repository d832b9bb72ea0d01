import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { RemoteControl } from './remote-control';
import type { RobotPresence } from './robot-presence';

/**
 * Ties presence to the robot's life: registered before `/health` answers, `draining` as soon
 * as shutdown begins (Nest calls `onModuleDestroy` before any `beforeApplicationShutdown`),
 * and goodbye only once the work loop has released its jobs. Operators' drain and stop are
 * heard from registration until goodbye.
 */
export class PresenceLifecycle implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  constructor(
    private readonly presence: RobotPresence,
    private readonly workStopped: Promise<void>,
    private readonly control: RemoteControl,
  ) {}

  async onApplicationBootstrap() {
    await this.presence.start();
    await this.control.start();
  }

  onModuleDestroy() {
    return this.presence.drain();
  }

  async beforeApplicationShutdown() {
    await this.workStopped;
    this.control.stop();
    await this.presence.stop();
  }
}
