/**
 * The bench's CPU profile summary (bench/profile.ts) on a small hand-written `.cpuprofile` of the
 * shape `node --cpu-prof` writes: self time grouped by kind of work, Node's modules counted for
 * their caller (crypto aside), builtins with no script for their caller, idle left out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProfile, summarizeProfile } from '../../../bench/profile.ts';

const NM = 'file:///app/node_modules';
const APP = 'file:///app/build/services';
const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: -1 });
const nodes = [
  { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 10, 20, 30, 40] },
  { id: 2, callFrame: frame('(idle)') },
  { id: 3, callFrame: frame('(garbage collector)') },
  { id: 4, callFrame: frame('write', `${NM}/sonic-boom/index.js`, 10), children: [5] },
  { id: 5, callFrame: frame('writeSync', 'node:fs', 900), children: [6] },
  { id: 6, callFrame: frame('writeString') },
  { id: 10, callFrame: frame('sign', `${NM}/jose/dist/webapi/lib/sign.js`, 5), children: [11] },
  { id: 11, callFrame: frame('', 'node:internal/crypto/util', 469) },
  { id: 20, callFrame: frame('send', `${APP}/gateway/src/sending.js`, 197), children: [21, 22] },
  { id: 21, callFrame: frame('emit', 'node:events', 470) },
  { id: 22, callFrame: frame('run', `${NM}/better-sqlite3/lib/methods/wrappers.js`, 3) },
  { id: 30, callFrame: frame('sendRequest', `${NM}/kafkajs/src/network/connection.js`, 300), children: [31] },
  { id: 31, callFrame: frame('writev', 'node:net', 950) },
  { id: 40, callFrame: frame('processTicksAndRejections', 'node:internal/process/task_queues', 66) },
];
// [node id, microseconds]: timeDeltas[i + 1] is the time of sample i.
const samples: [number, number][] = [
  [2, 5000],
  [3, 1000],
  [6, 2000],
  [11, 4000],
  [21, 500],
  [20, 1500],
  [22, 3000],
  [31, 1000],
  [40, 700],
];

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mx-profile-'));
  file = join(dir, 'CPU.cpuprofile');
  const timeDeltas = [0, ...samples.map(([, us]) => us)];
  writeFileSync(file, JSON.stringify({ nodes, startTime: 0, endTime: 20_000, samples: [...samples.map(([id]) => id), 2], timeDeltas }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('self time by kind of work: every busy sample in one group, idle left out', () => {
  const s = summarizeProfile(file);
  expect(s.busyMs).toBe(14); // 13.7 ms busy of 18.7 ms
  const group = Object.fromEntries(s.byGroup.map((e) => [e.name, e.ms]));
  expect(group).toEqual({ crypto: 4, sqlite: 3, logging: 2, 'project code': 2, kafkajs: 1, gc: 1, 'node core (other)': 0.7 });
  expect(s.byGroup.map((e) => e.name)[0]).toBe('crypto');
});

test('top functions carry file:line (1-based) and the project functions their inclusive time', () => {
  const s = summarizeProfile(file);
  expect(s.topSelf[0]).toMatchObject({ name: '(anonymous) node:internal/crypto/util:470', ms: 4 });
  expect(s.topSelf.map((e) => e.name)).toContain('send services/gateway/src/sending.js:198');
  expect(s.topProjectInclusive).toEqual([{ name: 'send services/gateway/src/sending.js:198', ms: 5, pct: expect.any(Number) }]);
  const text = formatProfile(s).join('\n');
  expect(text).toContain('self time by kind of work');
  expect(text).toContain('top 8 functions by self time (file:line)');
});
