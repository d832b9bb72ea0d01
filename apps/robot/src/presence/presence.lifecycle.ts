import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { RobotPresence } from './robot-presence';

/**
 * Ties presence to the robot's life: registered before `/health` answers, `draining` as soon
 * as shutdown begins (Nest calls `onModuleDestroy` before any `beforeApplicationShutdown`),
 * and goodbye only once the work loop has released its jobs.
 */
export class PresenceLifecycle implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  constructor(
    private readonly presence: RobotPresence,
    private readonly workStopped: Promise<void>,
  ) {}

  onApplicationBootstrap() {
    return this.presence.start();
  }

  onModuleDestroy() {
    return this.presence.drain();
  }

  async beforeApplicationShutdown() {
    await this.workStopped;
    await this.presence.stop();
  }
}
