/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the time went: self time per
 * function, self time per package (jose, kafkajs, better-sqlite3, ajv, express, node core, the
 * project's own files, GC), and inclusive time of the project's functions (time with that
 * function anywhere on the stack). Percentages are of the busy time (all samples but idle).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the profile and the part of it the thread was busy (ms). */
  totalMs: number;
  busyMs: number;
  topSelf: ProfileEntry[];
  byPackage: ProfileEntry[];
  /** The project's own functions (services/...) by inclusive time. */
  topProjectInclusive: ProfileEntry[];
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const svc = url.indexOf('/services/');
  if (svc >= 0) return url.slice(svc + 1);
  return url.replace(/^file:\/\//, '');
}

function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node core';
  const svc = url.indexOf('/services/');
  if (svc >= 0) return `project ${url.slice(svc + 1).split('/').slice(0, 2).join('/')}`;
  return 'other';
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  // tsx-compiled project files report line 1 for everything: the file says enough there.
  if (!frame.url) return name;
  return frame.lineNumber > 0 ? `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : `${name} ${shortUrl(frame.url)}`;
}

function top(map: Map<string, number>, busy: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / busy) * 1000) / 10 }));
}

export function summarizeProfile(file: string, n = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    total += us;
    const node = byId.get(profile.samples[i]!);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += us;
    const l = label(node.callFrame);
    self.set(l, (self.get(l) ?? 0) + us);
    const p = packageOf(node.callFrame);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!f.url.includes('/services/')) continue;
      const k = label(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    topSelf: top(self, busy, n),
    byPackage: top(pkg, busy, n),
    topProjectInclusive: top(inclusive, busy, n),
  };
}

export function formatProfile(s: ProfileSummary): string[] {
  const lines = [`CPU profile of the TH gateway: ${s.file}`, `  ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s profiled`];
  const section = (title: string, entries: ProfileEntry[]) => {
    lines.push(`  ${title}:`);
    for (const e of entries) lines.push(`    ${e.pct.toFixed(1).padStart(5)}%  ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${e.name}`);
  };
  section('self time by package', s.byPackage);
  section('top functions by self time', s.topSelf);
  section('project functions by inclusive time', s.topProjectInclusive);
  return lines;
}
