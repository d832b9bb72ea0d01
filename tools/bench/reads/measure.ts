import { readFileSync } from 'node:fs';
import { percentile } from '../stats';
import { round } from '../dispatch/measure';

/** One way of making the same read; `read` is awaited one at a time (a robot's read is sequential). */
export interface Contender {
  readonly name: string;
  readonly read: () => Promise<unknown>;
}

/** p50 and p99 of one contender's reads, in ms. */
export interface Latency {
  readonly p50_ms: number;
  readonly p99_ms: number;
}

/**
 * Times `reads` sequential reads of every contender in each of `rounds` rounds, the contenders
 * taking turns at going first, after `warmup` untimed reads each; every contender's latencies
 * are pooled over the rounds.
 */
export async function interleaved(
  contenders: readonly Contender[],
  options: { readonly rounds: number; readonly reads: number; readonly warmup: number },
): Promise<Record<string, Latency>> {
  for (const { read } of contenders) for (let i = 0; i < options.warmup; i++) await read();
  const samples = contenders.map(() => [] as number[]);
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const turn = (k + r) % contenders.length;
      const { read } = contenders[turn];
      const mine = samples[turn];
      for (let i = 0; i < options.reads; i++) {
        const startedAt = performance.now();
        await read();
        mine.push(performance.now() - startedAt);
      }
    }
  }
  return Object.fromEntries(
    contenders.map(({ name }, i) => [
      name,
      { p50_ms: round(percentile(samples[i], 0.5), 3), p99_ms: round(percentile(samples[i], 0.99), 3) },
    ]),
  );
}

/** `a` over `b`, two digits. */
export const ratio = (a: number, b: number) => round(a / b, 2);

/** The 1, 5 and 15 minute load averages. */
export const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

export const say = (line: string) => process.stderr.write(`${line}\n`);

export const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
