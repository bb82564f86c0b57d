/**
 * Resident memory of child processes from /proc/<pid>/status: `VmHWM` is the kernel's peak
 * resident set since the process started, `VmRSS` the current one. A sampler also keeps the
 * largest VmRSS it saw per phase, so a phase's own peak is known even after an earlier one.
 */
import { readFileSync } from 'node:fs';

export interface MemoryReading {
  rssMiB: number;
  hwmMiB: number;
}

/** VmRSS and VmHWM of `pid` in MiB; undefined when the process is gone or /proc is not there. */
export function readMemory(pid: number): MemoryReading | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };
  return { rssMiB: kb('VmRSS'), hwmMiB: kb('VmHWM') };
}

/** Samples the VmRSS of named processes every `everyMs`; `mark()` starts a new phase. */
export class MemorySampler {
  private readonly pids = new Map<string, number>();
  private readonly phasePeak = new Map<string, number>();
  private readonly lastHwm = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly everyMs = 250) {}

  add(name: string, pid: number): void {
    this.pids.set(name, pid);
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      const m = readMemory(pid);
      if (!m) continue;
      this.phasePeak.set(name, Math.max(this.phasePeak.get(name) ?? 0, m.rssMiB));
      this.lastHwm.set(name, m.hwmMiB);
    }
  }

  /** The largest VmRSS seen per process since the last mark (MiB), and starts a new phase. */
  mark(): Record<string, number> {
    this.sample();
    const out = Object.fromEntries([...this.phasePeak].map(([k, v]) => [k, round1(v)]));
    this.phasePeak.clear();
    return out;
  }

  /** The kernel's lifetime peak (VmHWM, MiB) of each process, as last read. */
  peaks(): Record<string, number> {
    this.sample();
    return Object.fromEntries([...this.lastHwm].map(([k, v]) => [k, round1(v)]));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Direct children of `pid` (from /proc), e.g. the JVM under the broker's watchdog shell. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
