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

  /**
   * CPU seconds (user + system, from /proc/<pid>/stat) each process has used since it started,
   * the bench's own process (the load generator) included, and the whole machine's busy seconds
   * (/proc/stat); two readings' difference is a phase's CPU per process.
   */
  cpu(): CpuReading {
    const perProcess: Record<string, number> = {};
    for (const [name, pid] of this.pids) {
      const s = readCpuSeconds(pid);
      if (s !== undefined) perProcess[name] = s;
    }
    const own = process.cpuUsage();
    perProcess['bench (load generator)'] = (own.user + own.system) / 1e6;
    return { perProcess, machineBusy: machineBusySeconds() };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Cumulative CPU seconds per process and of the whole machine (all cores). */
export interface CpuReading {
  perProcess: Record<string, number>;
  machineBusy: number | undefined;
}

/** CPU milliseconds per completed unit of work between two readings, per process and in all. */
export function cpuPerUnit(before: CpuReading, after: CpuReading, units: number, seconds: number): CpuShare {
  const perUnitMs: Record<string, number> = {};
  for (const [name, s] of Object.entries(after.perProcess)) {
    const b = before.perProcess[name];
    if (b !== undefined && units > 0) perUnitMs[name] = round3(((s - b) * 1000) / units);
  }
  const busy = after.machineBusy !== undefined && before.machineBusy !== undefined ? after.machineBusy - before.machineBusy : undefined;
  return {
    perUnitMs,
    ...(busy !== undefined && units > 0 ? { machinePerUnitMs: round3((busy * 1000) / units) } : {}),
    ...(busy !== undefined && seconds > 0 ? { machineBusyCores: round3(busy / seconds) } : {}),
  };
}

/** What {@link cpuPerUnit} reports. */
export interface CpuShare {
  /** CPU ms per unit of work, per process. */
  perUnitMs: Record<string, number>;
  /** The whole machine's busy CPU ms per unit (everything running, not only the named processes). */
  machinePerUnitMs?: number;
  /** Cores the machine kept busy on average (of all it has). */
  machineBusyCores?: number;
}

/** utime + stime of `pid` in seconds; undefined when it is gone. */
function readCpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Busy seconds of all cores together (every field of /proc/stat's cpu line but idle and iowait). */
function machineBusySeconds(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ, the unit of /proc's CPU times (100 on every architecture Node runs on here). */
const CLOCK_TICKS = 100;

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
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
