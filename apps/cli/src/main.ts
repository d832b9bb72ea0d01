import { Command } from 'commander';
import { commands } from './commands';

// A closed pipe (`aether replay … | head`) is a normal way to stop reading.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('aether').description('Aether RPA platform command line');
for (const register of commands) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`aether: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
