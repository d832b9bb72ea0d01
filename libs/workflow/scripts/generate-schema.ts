// Writes libs/workflow/workflow.schema.json from the zod schema (src/format.ts).
// Run: npx nx run workflow:generate-schema (a spec fails while the committed file is stale).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { workflowJsonSchema } from '../src/format';

async function main(): Promise<void> {
  const target = join(__dirname, '..', 'workflow.schema.json');
  const options = (await resolveConfig(target)) ?? {};
  writeFileSync(target, await format(JSON.stringify(workflowJsonSchema()), { ...options, parser: 'json' }));
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
