import { fingerprintFromHtml, healInHtml, parseFingerprint, type HealResult } from '@aether/healing';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';

interface HealFlags {
  readonly html: string;
  readonly locator?: string;
  readonly capture?: string;
  readonly json?: boolean;
  readonly budget: string;
}

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function summary(result: HealResult): Record<string, unknown> {
  switch (result.status) {
    case 'intact':
      return {
        status: 'intact',
        selector: result.selector,
        confidence: result.confidence,
        elapsedMs: result.elapsedMs,
      };
    case 'healed':
      return {
        status: 'healed',
        selector: result.selector,
        fragility: result.fragility,
        structural: result.structural,
        previousSelector: result.previousSelector,
        tier: result.tier,
        confidence: result.confidence,
        margin: result.margin,
        runnerUp: result.runnerUp ?? null,
        explanation: result.explanation,
        elapsedMs: result.elapsedMs,
      };
    case 'refused':
      return {
        status: 'refused',
        selector: null,
        reason: result.reason,
        best: result.best ?? null,
        runnerUp: result.runnerUp ?? null,
        explanation: result.explanation ?? null,
        elapsedMs: result.elapsedMs,
      };
    default: {
      const _exhaustive: never = result;
      return _exhaustive;
    }
  }
}

/**
 * `aether heal --html page.html --locator fingerprint.json [--json]`: prints the healed
 * CSS selector, or `null` when no element can be trusted; `--json` adds one JSON line
 * with status, confidence, margin, tier and timing. Exit code 0 whenever a verdict was
 * reached (`null` included), 1 on unreadable input.
 * `aether heal --html page.html --capture <selector>` prints the fingerprint to record.
 */
export function registerHeal(program: Command): void {
  program
    .command('heal')
    .description(
      'heal a recorded element fingerprint against an HTML page, offline (format: libs/healing/README.md)',
    )
    .requiredOption('--html <file>', 'the page, as an HTML file')
    .option('--locator <file>', 'the element fingerprint (JSON) to heal')
    .option(
      '--capture <selector>',
      'print the fingerprint of the single element <selector> matches instead of healing',
    )
    .option(
      '--json',
      'also print one JSON line: status, confidence, margin, tier, runnerUp, explanation, elapsedMs',
    )
    .option('--budget <ms>', 'time budget for the heal, in milliseconds', '400')
    .action((flags: HealFlags) => {
      const html = read(flags.html, 'HTML file');
      if (flags.capture !== undefined) {
        process.stdout.write(JSON.stringify(fingerprintFromHtml(html, flags.capture), null, 2) + '\n');
        return;
      }
      if (flags.locator === undefined)
        throw new Error('heal needs --locator <fingerprint.json> (or --capture <selector>)');
      let document: unknown;
      try {
        document = JSON.parse(read(flags.locator, 'fingerprint'));
      } catch (error) {
        if (error instanceof SyntaxError)
          throw new Error(`fingerprint ${flags.locator} is not JSON: ${error.message}`, { cause: error });
        throw error;
      }
      const budgetMs = Number(flags.budget);
      if (!Number.isFinite(budgetMs) || budgetMs <= 0)
        throw new Error(`--budget must be a positive number of milliseconds, got ${flags.budget}`);
      const result = healInHtml(html, parseFingerprint(document), { budgetMs });
      process.stdout.write(`${result.status === 'refused' ? 'null' : result.selector}\n`);
      if (flags.json) process.stdout.write(JSON.stringify(summary(result)) + '\n');
    });
}
