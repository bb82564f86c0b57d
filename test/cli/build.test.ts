/**
 * The container image's build steps, as far as this machine allows without a Docker engine:
 * `npm run build` compiles the services into a fresh directory placed as the image places it
 * (`build/` beside a `node_modules`, nothing else of the repository in reach), two gateways and the
 * audit service run from that compiled JavaScript with plain `node` through the image's entry point
 * and exchange a notice and its receipt over the suite's secured broker (the audit service logging
 * both gateways' events), the compiled `mx` runs the compose one-shot's set-up, and the Dockerfile
 * has the shape the image needs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { COMPILED_PROGRAMS, REPO_ROOT, RUNTIME_ASSETS } from '../../services/core/src/build/build.ts';
import { gatewayAudience, mintToken } from '../../services/core/src/idp/dev-idp.ts';
import { auditEnv, gatewayEnv, setupAudit, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { AUDIT_AUDIENCE } from '../../services/audit/src/config.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { eventually, provisionTestKafka, testBrokers, testDeployment, uniqueName } from '../support/kafka.ts';
import { GatewayProcess, killAllGateways, ServiceProcess } from '../support/processes.ts';
import { effective, readDockerfile, stage } from '../support/dockerfile.ts';
import { SERVICE_NODE_OPTIONS } from '../../services/core/src/process/node-flags.ts';

/** Stands for the image's /app: `build/` (the compiled tree) and `node_modules` beside it. */
let app: string;
let compiled: string;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'mx-build-'));
  compiled = join(app, 'build');
  // The image's production node_modules stand beside the tree; here the repository's.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
  const r = spawnSync('npm', ['run', 'build', '--', '--out-dir', compiled], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`npm run build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}, 180_000);

afterAll(async () => {
  await killAllGateways();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the compiled tree', () => {
  test('is JavaScript only: no TypeScript file, and no import of one', () => {
    const all = files(compiled).map((f) => relative(compiled, f));
    expect(all.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const js = all.filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(50);
    const tsImports = js.filter((f) => /(?:from\s+|import\s*\(\s*)['"][^'"]+\.ts['"]/.test(readFileSync(join(compiled, f), 'utf8')));
    expect(tsImports).toEqual([]);
  });

  test('imports only production dependencies: the image installs nothing else (npm ci --omit=dev)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const packageOf = (spec: string) => /^(@[^/]+\/[^/]+|[^/]+)/.exec(spec)![1]!;
    const statics = new Set<string>();
    const dynamics: string[] = [];
    for (const f of files(compiled).filter((x) => x.endsWith('.js'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm)) statics.add(m[1]!);
      for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) statics.add(m[1]!);
      for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) dynamics.push(`${relative(compiled, f)}: ${m[1]}`);
    }
    const external = [...statics].filter((s) => !s.startsWith('.') && !s.startsWith('node:'));
    expect(external.length).toBeGreaterThan(5);
    expect(external.map(packageOf).filter((p) => !(p in pkg.dependencies))).toEqual([]);
    // A development package loaded on demand only by the demo's console builder, never in the image.
    const devDynamic = dynamics.filter((d) => {
      const spec = d.split(': ')[1]!;
      return !spec.startsWith('.') && !spec.startsWith('node:') && !(packageOf(spec) in pkg.dependencies);
    });
    expect(devDynamic).toEqual(['services/console/build.js: vite']);
    // Conversely, the image installs no production dependency the compiled tree does not import
    // (tsx, the from-a-clone CLI's loader, is a development dependency), but for the console's own
    // library, which vite bundles into services/console/dist at build time.
    const bundledIntoConsole = ['oauth4webapi'];
    const imported = new Set([...external.map(packageOf), ...dynamics.map((d) => d.split(': ')[1]!).filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map(packageOf)]);
    expect(Object.keys(pkg.dependencies).filter((p) => !imported.has(p) && !bundledIntoConsole.includes(p))).toEqual([]);
  });

  test('holds every program the image runs and every file they read at run time, at the paths they resolve', () => {
    for (const p of Object.values(COMPILED_PROGRAMS)) expect({ p, there: existsSync(join(compiled, p)) }).toEqual({ p, there: true });
    for (const a of RUNTIME_ASSETS.filter((x) => !x.optional)) expect({ a: a.path, there: existsSync(join(compiled, a.path)) }).toEqual({ a: a.path, there: true });
    // ES modules wherever the tree is placed.
    expect(JSON.parse(readFileSync(join(compiled, 'package.json'), 'utf8')).type).toBe('module');
  });

  test('the entry point refuses an unknown program with exit code 2 and runs `mx` with its own arguments', () => {
    const entry = join(compiled, COMPILED_PROGRAMS.entry);
    const bad = spawnSync(process.execPath, [entry, 'nonsense'], { cwd: app, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    // The compose `setup` one-shot, from the compiled CLI: keys, trust, the broker's TLS (keytool) and the bundles.
    const dir = join(app, 'deployment');
    const out = join(app, 'out');
    const setup = spawnSync(process.execPath, [entry, 'mx', 'setup', '--dir', dir, '--endpoints', 'LA,TH', '--distribute', out], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    expect({ status: setup.status, stderr: setup.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readdirSync(out).sort()).toEqual(['audit', 'gateway-la', 'gateway-th', 'kafka', 'prometheus', 'public']);
    expect(readdirSync(join(out, 'gateway-la')).sort()).toEqual(['LA.jwks.json', 'LA.metrics.token', 'LA.pseudonym.key', 'gw-LA.password']);
    expect(readdirSync(join(out, 'prometheus')).sort()).toEqual(['LA.metrics.token', 'TH.metrics.token', 'audit.metrics.token']);
    // What it writes is owner-only, as from `npx mx`.
    expect(statSync(join(out, 'gateway-la', 'LA.jwks.json')).mode & 0o077).toBe(0);
  }, 150_000);
});

describe('the gateways and the audit service run from the compiled JavaScript with plain node', () => {
  let dep: Deployment;
  let prefix: string;
  const gw: Record<string, GatewayProcess> = {};
  let audit: ServiceProcess;

  beforeAll(async () => {
    dep = await testDeployment('mx-build-gw-', ['TH', 'LA']);
    prefix = `${uniqueName('build')}.`;
    await provisionTestKafka({ endpoints: ['TH', 'LA'], topicPrefix: prefix });
    // Routing policy and console from their defaults: the compiled tree's own files.
    for (const e of ['TH', 'LA']) {
      gw[e] = await GatewayProcess.spawn({ env: gatewayEnv(dep, e, testBrokers(), { topicPrefix: prefix }), compiled, logFile: join(dep.dir, `${e}.log`) });
    }
    await setupAudit(dep);
    audit = await ServiceProcess.spawn({ kind: 'audit', env: auditEnv(dep, testBrokers(), { topicPrefix: prefix, checkpointEverySeconds: 1 }), compiled, logFile: join(dep.dir, 'audit.log') });
    await gw.LA!.waitForConsumer({ timeoutMs: 60_000 });
    await gw.TH!.waitForConsumer({ timeoutMs: 60_000 });
    await audit.waitForConsumer({ timeoutMs: 60_000 });
  }, 240_000);

  test('they run without a TypeScript loader and become ready', async () => {
    for (const [p, program] of [...Object.values(gw).map((g) => [g, 'gateway'] as const), [audit, 'audit'] as const]) {
      const args = p.child.spawnargs;
      expect(args.slice(1)).toEqual([join(compiled, COMPILED_PROGRAMS.entry), program]);
      expect(args.join(' ')).not.toMatch(/tsx|\.ts\b/);
      await eventually(async () => ((await p.call('GET', '/v1/ready')).status === 200 ? true : undefined), 60_000, `${p.name} ready`);
    }
    for (const p of Object.values(gw)) expect((await p.call('GET', '/v1/status')).status).toBe(200);
  }, 90_000);

  test('TH sends LA a notice; LA verifies and stores it, TH verifies LA\'s signed receipt, the audit service logs both under a signed checkpoint', async () => {
    const token = await mintToken(dep.idpPrivateJwks, { subject: 'officer@TH', endpoint: 'TH', agency: 'TH test agency', roles: ['liaison-officer'], audience: gatewayAudience('TH') });
    const laToken = await mintToken(dep.idpPrivateJwks, { subject: 'officer@LA', endpoint: 'LA', agency: 'LA test agency', roles: ['liaison-officer'], audience: gatewayAudience('LA') });
    const caseRef = `TH-2026-${String(100_000 + Math.floor(Math.random() * 800_000)).padStart(6, '0')}`;
    const sent = await gw.TH!.call('POST', '/v1/notices', { token, body: { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: loadBody('victim-repatriation-notice') } });
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;
    const atLa = await eventually(async () => {
      const r = await gw.LA!.call('GET', `/v1/inbox/${id}`, { token: laToken });
      return r.status === 200 ? r.body : undefined;
    }, 60_000, 'the notice in LA\'s inbox');
    expect(atLa.document.caseRef).toBe(caseRef);
    expect(atLa.from).toBe('TH');
    await eventually(async () => {
      const r = await gw.TH!.call('GET', `/v1/messages/${id}`, { token });
      return r.body.recipients?.every((x: { delivered: boolean }) => x.delivered) ? true : undefined;
    }, 60_000, 'LA\'s receipt at TH');
    // Both gateways' signed audit events, logged by the compiled audit service under a checkpoint it signed.
    const auditor = await mintToken(dep.idpPrivateJwks, { subject: 'auditor@TH', endpoint: 'TH', agency: 'TH audit office (test)', roles: ['auditor'], audience: AUDIT_AUDIENCE });
    const logged = await eventually(async () => {
      const r = await audit.call('GET', '/v1/status', { token: auditor });
      const covered = r.body.latestCheckpoint?.treeSize ?? 0;
      const both = ['LA', 'TH'].every((e) => r.body.gateways?.some((g: { gateway: string; lastSeq: number }) => g.gateway === e && g.lastSeq > 0));
      return r.status === 200 && r.body.checkpointing.state === 'ok' && both && covered >= 3 && covered <= r.body.treeSize ? r.body : undefined;
    }, 60_000, 'a signed checkpoint over both gateways\' events');
    expect(logged.origin).toBeTruthy();
  }, 150_000);
});

describe('the Dockerfile', () => {
  const d = readDockerfile();
  const runtime = stage(d, 'runtime');
  const runs = (name: string) => effective(d, name).filter((i) => i.op === 'RUN').map((i) => i.args);

  test('is multi-stage: a build stage compiles, the runtime (the default, last stage) runs on the same slim Node image', () => {
    expect(d.stages.length).toBeGreaterThanOrEqual(2);
    expect(d.stages.at(-1)!.name).toBe('runtime');
    const build = stage(d, 'build');
    expect(build.from).toMatch(/^node:20\.\d+-bookworm(-slim)?$/);
    expect(runs('build').join('\n')).toMatch(/npm ci\b/);
    expect(runs('build').join('\n')).toMatch(/npm run build\b/);
    // The runtime's base is a pinned slim Node LTS image, the one the build compiled native modules against.
    const base = d.stages.find((s) => s.name === runtime.from)!;
    expect(base.from).toMatch(/^node:20\.\d+-bookworm-slim$/);
    expect(base.from).toBe(build.from);
  });

  test('the runtime holds production dependencies only and the compiled tree, never the build stage\'s full node_modules or the sources', () => {
    const copies = effective(d, 'runtime').filter((i) => i.op === 'COPY');
    const fromBuild = copies.filter((c) => c.args.startsWith('--from=build'));
    const sources = fromBuild.map((c) => c.args.split(/\s+/)[1]!);
    expect(sources).toContain('/src/build');
    const modules = sources.filter((s) => s.endsWith('node_modules'));
    expect(modules).toHaveLength(1);
    // Those node_modules are the production-only install.
    const prodDir = modules[0]!.replace(/\/node_modules$/, '');
    expect(runs('build').some((r) => /npm ci --omit=dev/.test(r))).toBe(true);
    expect(stage(d, 'build').instructions.some((i) => i.op === 'WORKDIR' && i.args === prodDir)).toBe(true);
    expect(copies.filter((c) => !c.args.startsWith('--from=')).map((c) => c.args)).toEqual([]);
    expect(sources.filter((s) => /services|schemas|openapi|\/src\/node_modules/.test(s))).toEqual([]);
  });

  test('the runtime runs as a non-root user, with a health check on /v1/ready at MX_HTTP_PORT', () => {
    const users = effective(d, 'runtime').filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const hc = effective(d, 'runtime').filter((i) => i.op === 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.json?.[0]).toBe('node');
    expect(hc[0]!.json?.join(' ')).toMatch(/\/v1\/ready/);
    expect(hc[0]!.json?.join(' ')).toMatch(/process\.env\.MX_HTTP_PORT/);
  });

  test('the services run with the Node options the demo and the benchmark give them (SERVICE_NODE_OPTIONS)', () => {
    const env = effective(d, 'runtime')
      .filter((i) => i.op === 'ENV')
      .flatMap((i) => i.args.split(/\s+/));
    const set = env.filter((kv) => kv.startsWith('NODE_OPTIONS=')).map((kv) => kv.slice('NODE_OPTIONS='.length));
    expect(set).toEqual([SERVICE_NODE_OPTIONS.join(' ')]);
  });

  test('its entry point and default command are programs of the compiled tree, run by plain node', () => {
    const inst = effective(d, 'runtime');
    const workdir = inst.filter((i) => i.op === 'WORKDIR').at(-1)!.args;
    expect(workdir).toBe('/app');
    const entrypoint = inst.filter((i) => i.op === 'ENTRYPOINT').at(-1)!.json!;
    const cmd = inst.filter((i) => i.op === 'CMD').at(-1)!.json!;
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint).toHaveLength(2);
    // The image copies the compiled tree to /app/build: the entry point must be there.
    expect(entrypoint[1]).toBe(`build/${COMPILED_PROGRAMS.entry}`);
    expect(existsSync(join(app, entrypoint[1]!))).toBe(true);
    expect(cmd).toEqual(['gateway']);
  });
});
