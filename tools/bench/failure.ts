import { readdirSync, readFileSync } from 'node:fs';

/**
 * Ends a benchmark that failed: says why, stops the processes it started that are still running
 * (a stack that failed to start leaves the services that did start), and exits with 1.
 */
export function benchFailed(error: unknown): never {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  for (const pid of childProcesses(process.pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  process.exit(1);
}

/** The processes whose parent is `parent`, from /proc (Linux). */
function childProcesses(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent)
        children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}
