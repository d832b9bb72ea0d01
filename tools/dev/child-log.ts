import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Appends a child's stdout and stderr to `logFile`. The two streams share the file, so neither may
 * end it: the first to close would end it under the other ("write after end", an uncaught error in
 * the parent). It ends once the child and both of its streams have closed.
 */
export function logChildOutput(child: ChildProcess, logFile: string): WriteStream {
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('close', () => log.end());
  return log;
}
