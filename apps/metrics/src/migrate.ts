// The read model's migrations as a step of their own: `node dist/apps/metrics/src/migrate.js`
// applies them (the Kubernetes migrations Job); with `--wait` it applies nothing and returns once
// none is pending (the init container of the gateway and the projector), failing after the wait.
import { createReadModelDataSource } from '@aether/read-model';
import { createLogger, env, loadConfig, runMain } from '@aether/service-kit';

runMain(async () => {
  const config = loadConfig({
    DATABASE_URL: env.databaseUrl,
    LOG_LEVEL: env.logLevel,
    MIGRATIONS_WAIT_MS: env.durationMs(300_000),
  });
  const logger = createLogger('migrate', config.LOG_LEVEL);
  const wait = process.argv.includes('--wait');
  const ds = await createReadModelDataSource(config.DATABASE_URL, { poolSize: 1 }).initialize();
  try {
    if (!wait) {
      const ran = await ds.runMigrations();
      logger.info({ migrations: ran.map((m) => m.name) }, `applied ${ran.length} migrations`);
      return;
    }
    // The wait counts from the first look: connecting and reading the migrations table can take
    // longer than a short MIGRATIONS_WAIT_MS on a loaded machine.
    let deadline: number | undefined;
    while (await ds.showMigrations()) {
      deadline ??= Date.now() + config.MIGRATIONS_WAIT_MS;
      if (Date.now() > deadline)
        throw new Error(`migrations still pending after ${config.MIGRATIONS_WAIT_MS} ms`);
      logger.info('waiting for the migrations job');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    logger.info('read model is up to date');
  } finally {
    await ds.destroy();
  }
});
