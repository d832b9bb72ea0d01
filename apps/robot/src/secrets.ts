/**
 * Resolves `secrets.<name>` for workflows from the robot's environment:
 * `demoPassword` → `AETHER_SECRET_DEMO_PASSWORD`. Values stay in memory; events and
 * logs only ever see the name. (The encrypted vault replaces this source later.)
 */
export function environmentSecrets(
  env: NodeJS.ProcessEnv = process.env,
): (name: string) => string | undefined {
  return (name) => env[`AETHER_SECRET_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`];
}
