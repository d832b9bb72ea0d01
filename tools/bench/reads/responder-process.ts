import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A running `responder.ts`; `stop` closes its stdin and waits for it to exit. */
export interface Responder {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  stop(): Promise<void>;
}

/** Starts the services' read endpoint in its own process (this process's loader flags), ready to answer. */
export async function startResponder(natsUrl: string): Promise<Responder> {
  const child = spawn(process.execPath, [...process.execArgv, join(__dirname, 'responder.ts'), natsUrl], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) =>
      line === 'ready' ? resolve() : reject(new Error(`responder said ${line}`)),
    );
    child.once('exit', (code) => reject(new Error(`responder exited with ${String(code)}`)));
  });
  return {
    child,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
