/**
 * A service started with an IPC channel (as `tools/dev/stack.ts` starts every service and robot
 * for tests, benchmarks and `npm start`) stops as on SIGTERM once the channel closes: its parent
 * exited or was killed. Without this, a killed test runner leaves its services running, retrying
 * their gone nats-server and taking CPU from whatever runs next. Started any other way (systemd,
 * a Windows service, a container), a service has no channel and this does nothing.
 */
export function stopWithParent(): void {
  if (!process.channel) return;
  // The channel only tells of the parent's end; it must not keep the process alive by itself.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
