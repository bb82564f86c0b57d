/**
 * Where a local deployment lives and what is running in it: `mx demo` writes the state file, and
 * `mx token`, `mx send`, `mx inbox` and `mx message` read it to find the gateways.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../../core/src/kafka/local-broker.ts';

/** The demo's directory: keys and stores are generated here, outside the repository. */
export function demoDir(): string {
  return process.env.MX_DEMO_DIR ?? join(cacheRoot(), 'demo');
}

export interface DemoState {
  brokers: string[];
  gateways: Record<string, string>;
  audit?: string;
  /** The OpenID provider's issuer, and each console's URL (an endpoint's, or `audit`). */
  idp?: string;
  consoles?: Record<string, string>;
  topicPrefix: string;
  /** What is running, so that a supervisor or a test can check that a stop left nothing behind. */
  pids?: { demo: number; services: Record<string, number>; broker?: number };
  /** The local broker's run directory (absent with KAFKA_BROKERS); removed when the demo stops. */
  brokerDir?: string;
}

/** Written once everything is up, removed when the demo starts stopping. */
export function demoStateFile(dir: string): string {
  return join(dir, 'demo-state.json');
}

export function writeDemoState(dir: string, state: DemoState): void {
  writeFileSync(demoStateFile(dir), JSON.stringify(state, null, 2));
}

export function readDemoState(dir: string): DemoState {
  const file = demoStateFile(dir);
  if (!existsSync(file)) throw new Error(`no running demo found (${file} is missing): start one with npm run demo`);
  return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
}
