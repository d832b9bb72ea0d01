let tracing = false;

/** Whether spans are being recorded in this process (the SDK, or a test's in-memory provider, is on). */
export function tracingOn(): boolean {
  return tracing;
}

export function setTracing(on: boolean): void {
  tracing = on;
}
