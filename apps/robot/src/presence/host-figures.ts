import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';

/** Busy and total CPU time of the whole machine, summed over its cores, in ms. */
interface CpuTimes {
  busy: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

const BROWSER = /chrom|headless_shell|firefox|webkit|minibrowser/i;

/**
 * Resident memory of the browsers this process started (its descendants whose command names a
 * browser), in MiB, from `/proc`; undefined where there is no `/proc`.
 */
export function browserRssMb(rootPid = process.pid): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so split at the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push({ pid: Number(name), comm });
      children.set(ppid, list);
    } catch {
      // the process ended while we read
    }
  }
  let kib = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() ?? 0) ?? []) {
      stack.push(child.pid);
      if (!BROWSER.test(child.comm)) continue;
      try {
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        kib += Number(rss?.[1] ?? 0);
      } catch {
        // ended meanwhile
      }
    }
  }
  return Math.round(kib / 1024);
}

/** The machine's figures a robot adds to its heartbeat: CPU since the previous call, disk, browsers. */
export class HostFigures {
  private cpu = cpuTimes();
  private browsers?: { at: number; mb: number | undefined };

  constructor(
    /** Walking `/proc` costs a few ms: at most once per this period. */
    private readonly browserEveryMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  read(): { hostCpuPercent?: number; browserRssMb?: number; diskFreeMb?: number } {
    const cpu = cpuTimes();
    const total = cpu.total - this.cpu.total;
    const hostCpuPercent =
      total > 0 ? Math.round(((cpu.busy - this.cpu.busy) / total) * 1000) / 10 : undefined;
    this.cpu = cpu;
    if (!this.browsers || this.now() - this.browsers.at >= this.browserEveryMs) {
      this.browsers = { at: this.now(), mb: browserRssMb() };
    }
    const browser = this.browsers.mb;
    const disk = diskFreeMb();
    return {
      ...(hostCpuPercent !== undefined ? { hostCpuPercent: Math.min(100, hostCpuPercent) } : {}),
      ...(browser !== undefined ? { browserRssMb: browser } : {}),
      ...(disk !== undefined ? { diskFreeMb: disk } : {}),
    };
  }
}

function diskFreeMb(): number | undefined {
  try {
    const { bavail, bsize } = statfsSync(tmpdir());
    return Math.round((bavail * bsize) / 2 ** 20);
  } catch {
    return undefined;
  }
}
