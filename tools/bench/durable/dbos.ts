import { DBOS } from '@dbos-inc/dbos-sdk';

/** DBOS Transact with the same no-op steps, its system database on the same PostgreSQL. */
export async function openDbos(databaseUrl: string) {
  DBOS.setConfig({ name: 'aether-bench', systemDatabaseUrl: databaseUrl });
  const noop = DBOS.registerStep(async (i: number) => ({ [`v${i}`]: i }), { name: 'noop' });
  const workflows = new Map<number, () => Promise<void>>();
  for (const steps of [1, 5, 20]) {
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
  await DBOS.launch();
  return {
    async runJob(steps: number): Promise<void> {
      const handle = await DBOS.startWorkflow(workflows.get(steps) as () => Promise<void>)();
      await handle.getResult();
    },
    close: () => DBOS.shutdown(),
  };
}
