import { readdirSync, readFileSync } from 'node:fs';

/** What a process in a robot's tree is: the robot itself, or which of Chromium's processes. */
export type ProcessKind = 'robot' | 'browser' | 'renderer' | 'gpu' | 'utility' | 'zygote' | 'other';

export interface ProcessMemory {
  readonly pid: number;
  readonly kind: ProcessKind;
  /** Resident set, kB: pages shared with other processes counted in full. */
  readonly rssKb: number;
  /** Proportional set, kB: each shared page divided among the processes that map it, so sums add up. */
  readonly pssKb: number;
}

/** Memory of a process tree by kind of process, in MB, and the number of processes of each kind. */
export interface TreeMemory {
  readonly rssMb: number;
  readonly pssMb: number;
  readonly byKind: Partial<
    Record<ProcessKind, { readonly count: number; readonly rssMb: number; readonly pssMb: number }>
  >;
}

/**
 * Chromium names each child process's role in `--type=`; the browser process has none. Its
 * children rewrite their command line as one string, arguments joined by spaces.
 */
export function processKind(cmdline: readonly string[], root: boolean): ProcessKind {
  if (root) return 'robot';
  const line = cmdline.join(' ');
  if (!/^\S*chrom(e|ium)/i.test(line)) return 'other';
  const type = /(?:^|\s)--type=(\S+)/.exec(line)?.[1];
  switch (type) {
    case undefined:
      return 'browser';
    case 'renderer':
      return 'renderer';
    case 'gpu-process':
      return 'gpu';
    case 'utility':
      return 'utility';
    case 'zygote':
      return 'zygote';
    default:
      return 'other';
  }
}

/** `root` and every process descended from it, given each process's parent. */
export function descendants(parentOf: ReadonlyMap<number, number>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parentOf) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const tree: number[] = [];
  const visit = [root];
  while (visit.length > 0) {
    const pid = visit.pop() as number;
    tree.push(pid);
    visit.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** `Rss` and `Pss` (kB) of `/proc/<pid>/smaps_rollup`. */
export function parseSmapsRollup(text: string): { rssKb: number; pssKb: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: field('Rss'), pssKb: field('Pss') };
}

export function summarize(processes: readonly ProcessMemory[]): TreeMemory {
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  const byKind: Record<string, { count: number; rssKb: number; pssKb: number }> = {};
  for (const p of processes) {
    const kind = (byKind[p.kind] ??= { count: 0, rssKb: 0, pssKb: 0 });
    kind.count++;
    kind.rssKb += p.rssKb;
    kind.pssKb += p.pssKb;
  }
  return {
    rssMb: mb(processes.reduce((sum, p) => sum + p.rssKb, 0)),
    pssMb: mb(processes.reduce((sum, p) => sum + p.pssKb, 0)),
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([kind, m]) => [
        kind,
        { count: m.count, rssMb: mb(m.rssKb), pssMb: mb(m.pssKb) },
      ]),
    ),
  };
}

/** The memory of `root` (a robot) and every process under it (its Chromium), from /proc (Linux, same user or root). */
export function treeMemory(root: number): TreeMemory {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const processes: ProcessMemory[] = [];
  for (const pid of descendants(parentOf, root)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const memory = parseSmapsRollup(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      processes.push({ pid, kind: processKind(cmdline, pid === root), ...memory });
    } catch {
      // gone
    }
  }
  return summarize(processes);
}

/** Least-squares line through `points`: what each step of x adds (`slope`) and the rest (`intercept`). */
export function linearFit(points: readonly { x: number; y: number }[]): { slope: number; intercept: number } {
  const n = points.length;
  if (n < 2) return { slope: NaN, intercept: NaN };
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxx = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  const sxy = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}
