import { DBOS } from '@dbos-inc/dbos-sdk';

const workflows = new Map<number, () => Promise<void>>();

/** The no-op workflows of 1, 5 and 20 steps, registered once per process (DBOS keeps them across launches). */
function registerWorkflows(): void {
  if (workflows.size > 0) return;
  const noop = DBOS.registerStep(async (i: number) => ({ [`v${i}`]: i }), { name: 'noop' });
  for (const steps of [1, 5, 20])
    workflows.set(
      steps,
      DBOS.registerWorkflow(
        async () => {
          for (let i = 1; i <= steps; i++) await noop(i);
        },
        { name: `noop-${steps}` },
      ),
    );
}

/**
 * DBOS Transact with the same no-op steps, its system database on the same PostgreSQL, launched
 * with a pool of `poolSize` connections (sized for the workflows in flight; its default is 10)
 * and PostgreSQL's `synchronous_commit` as given for every connection. DBOS is one per process:
 * close this before opening another.
 */
export async function openDbos(
  databaseUrl: string,
  options: { poolSize: number; synchronousCommit: 'on' | 'off' },
) {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c synchronous_commit=${options.synchronousCommit}`);
  DBOS.setConfig({
    name: 'aether-bench',
    systemDatabaseUrl: url.toString(),
    systemDatabasePoolSize: options.poolSize,
    logLevel: 'warn',
  });
  registerWorkflows();
  await DBOS.launch();
  return {
    async runJob(steps: number): Promise<void> {
      const handle = await DBOS.startWorkflow(workflows.get(steps) as () => Promise<void>)();
      await handle.getResult();
    },
    close: () => DBOS.shutdown(),
  };
}
