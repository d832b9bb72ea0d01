import { startDemoSite } from './server';
import type { DemoVariant } from './types';
import { DEMO_VARIANTS, isDemoVariant } from './variants';

interface MainConfig {
  port: number;
  host: string;
  variant: DemoVariant;
}

function readConfig(env: NodeJS.ProcessEnv): MainConfig {
  const portText = env['PORT'] ?? '8090';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`PORT must be a port number from 0 to 65535, got "${portText}"`);
  }
  const variant = env['DEMO_VARIANT'] ?? 'v1';
  if (!isDemoVariant(variant)) {
    throw new Error(`DEMO_VARIANT must be one of ${DEMO_VARIANTS.join(', ')}, got "${variant}"`);
  }
  return { port, host: env['HOST'] ?? '127.0.0.1', variant };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const site = await startDemoSite(config);
  process.stdout.write(`demo-site listening on ${site.url} (variant ${config.variant})\n`);
  const stop = (): void => {
    site.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`demo-site: failed to close: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo-site: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
