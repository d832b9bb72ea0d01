import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { parseWorkflowText, type Problem } from '@aether/workflow';

/**
 * `aether validate <file...>`: checks workflow files offline with the same validator the
 * API uses. Prints `path: message` per problem and exits 1 when any file has problems.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validate workflow files (JSON or YAML); prints every problem with its path')
    .argument('<files...>', 'workflow files (.json, .yaml, .yml)')
    .option('--json', 'print the problems as JSON')
    .action((files: string[], options: { json?: boolean }) => {
      const results = files.map((file) => ({ file, problems: validateFile(file) }));
      const failed = results.some((r) => r.problems.length > 0);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(files.length === 1 ? results[0] : results, null, 2)}\n`);
      } else {
        for (const { file, problems } of results) {
          const prefix = files.length > 1 ? `${file}: ` : '';
          if (problems.length === 0) process.stdout.write(`${prefix}valid\n`);
          for (const p of problems)
            process.stdout.write(`${prefix}${p.path || '(document)'}: ${p.message}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}

function validateFile(file: string): readonly Problem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return [
      {
        path: file,
        message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      },
    ];
  }
  const ext = extname(file).toLowerCase();
  const format = ext === '.yaml' || ext === '.yml' ? 'yaml' : ext === '.json' ? 'json' : undefined;
  const result = parseWorkflowText(text, format);
  return result.ok ? [] : result.problems;
}
