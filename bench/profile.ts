/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the time went: self time per
 * kind of work (crypto, SQLite, kafkajs, JSON, ajv, HTTP, logging, ...; {@link groupOf}), self
 * time per function (name file:line), per package, and inclusive time of the project's functions
 * (time with that function anywhere on the stack). Percentages are of the busy time (all samples
 * but idle). The services run compiled (no source maps), so file:line is of the compiled tree,
 * which keeps the sources' layout and, for the project's files, about their lines.
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
  /** Self time by kind of work, every group (they add up to the busy time). */
  byGroup: ProfileEntry[];
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

/** The kinds of work self time is grouped into. */
export const PROFILE_GROUPS = ['crypto', 'sqlite', 'kafkajs', 'json', 'ajv', 'http', 'logging', 'node i/o', 'project code', 'node core (other)', 'gc', 'v8 / native', 'other'] as const;
export type ProfileGroup = (typeof PROFILE_GROUPS)[number];

const PACKAGE_GROUP: Record<string, ProfileGroup> = {
  jose: 'crypto',
  'better-sqlite3': 'sqlite',
  kafkajs: 'kafkajs',
  ajv: 'ajv',
  'ajv-formats': 'ajv',
  'fast-uri': 'ajv',
  'fast-deep-equal': 'ajv',
  express: 'http',
  router: 'http',
  'body-parser': 'http',
  'raw-body': 'http',
  'iconv-lite': 'http',
  'content-type': 'http',
  'type-is': 'http',
  'mime-types': 'http',
  'path-to-regexp': 'http',
  qs: 'http',
  send: 'http',
  finalhandler: 'http',
  'on-finished': 'http',
  pino: 'logging',
  'pino-http': 'logging',
  'pino-std-serializers': 'logging',
  'sonic-boom': 'logging',
  'thread-stream': 'logging',
  'fast-redact': 'logging',
  '@pinojs/redact': 'logging',
  'quick-format-unescaped': 'logging',
  'safe-stable-stringify': 'json',
  'prom-client': 'other',
};

/**
 * The kind of work of one frame, or undefined for a frame that says nothing by itself (a native or
 * builtin function with no script, e.g. `writeString` under node:fs), whose time then goes to the
 * nearest caller that says something. V8 counts builtins such as `JSON.parse` in their caller, so
 * `json` is mostly the project's canonical JSON.
 */
export function groupOf(frame: CallFrame): ProfileGroup | undefined {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)') return 'v8 / native';
    if (functionName === '(root)') return 'other';
    // ajv's compiled validators are functions made with `new Function`, named validateN.
    if (/^validate\d+$/.test(functionName)) return 'ajv';
    if (/^(parse|stringify|JSONParse|JSONStringify|JsonParse|JsonStringify)$/.test(functionName)) return 'json';
    return undefined;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return PACKAGE_GROUP[pkg] ?? 'other';
  }
  if (url.startsWith('node:')) {
    const m = url.slice('node:'.length);
    if (/^(internal\/)?crypto/.test(m)) return 'crypto';
    if (/^(_http|http|https|internal\/http)/.test(m)) return 'http';
    if (/^(net|tls|_tls|internal\/(tls|net|stream_base_commons|streams|js_stream_socket)|stream|dns)/.test(m)) return 'node i/o';
    return 'node core (other)';
  }
  if (url.includes('/services/')) {
    // The project's canonical JSON (what is signed and digested) is JSON work; its envelope code is crypto glue.
    if (url.includes('/services/core/src/envelope/canonical.')) return 'json';
    return 'project code';
  }
  return 'other';
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
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
  const group = new Map<string, number>(PROFILE_GROUPS.map((g) => [g, 0]));
  const groupOfNode = new Map<number, ProfileGroup>();
  // A sample's group: its nearest frame with one, where Node's own modules (crypto aside) give way
  // to the package or project code that called them (a socket write for kafkajs is kafkajs's; a
  // file write for pino is logging), and count as node only when nothing above them says more.
  const groupAt = (leaf: number): ProfileGroup => {
    const known = groupOfNode.get(leaf);
    if (known) return known;
    let weak: ProfileGroup | undefined;
    let found: ProfileGroup | undefined;
    for (let id: number | undefined = leaf; id !== undefined && found === undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const g = groupOf(frame);
      if (g === undefined || (g === 'other' && frame.functionName === '(root)')) continue;
      if (frame.url.startsWith('node:') && g !== 'crypto') weak ??= g;
      else found = g;
    }
    const g = found ?? weak ?? 'other';
    groupOfNode.set(leaf, g);
    return g;
  };
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
    const g = groupAt(node.id);
    group.set(g, (group.get(g) ?? 0) + us);
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
    byGroup: top(group, busy, PROFILE_GROUPS.length).filter((e) => e.ms > 0),
    topSelf: top(self, busy, n),
    byPackage: top(pkg, busy, n),
    topProjectInclusive: top(inclusive, busy, n),
  };
}

export function formatProfile(s: ProfileSummary, name = 'the TH gateway', brief = false): string[] {
  const lines = [`CPU profile of ${name}: ${s.file}`, `  ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s profiled`];
  const section = (title: string, entries: ProfileEntry[]) => {
    lines.push(`  ${title}:`);
    for (const e of entries) lines.push(`    ${e.pct.toFixed(1).padStart(5)}%  ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${e.name}`);
  };
  section('self time by kind of work', s.byGroup);
  if (brief) {
    section('top 8 functions by self time (file:line)', s.topSelf.slice(0, 8));
    return lines;
  }
  section(`top ${s.topSelf.length} functions by self time (file:line)`, s.topSelf);
  section('self time by package', s.byPackage);
  section('project functions by inclusive time', s.topProjectInclusive);
  return lines;
}
