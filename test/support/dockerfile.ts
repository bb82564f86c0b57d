/**
 * A small reader of the repository's Dockerfile for the tests that check the image's shape without
 * a Docker engine: its stages, each with its `FROM` and instructions (continuation lines joined,
 * comments dropped). JSON-form arguments (`CMD ["gateway"]`) are parsed.
 */
import { readFileSync } from 'node:fs';

export const DOCKERFILE = new URL('../../Dockerfile', import.meta.url);

export interface Instruction {
  op: string;
  /** The raw argument text. */
  args: string;
  /** The JSON array form's elements, when the arguments are one. */
  json?: string[];
}

export interface Stage {
  /** `FROM image AS name`: the name (or the stage's index). */
  name: string;
  from: string;
  instructions: Instruction[];
}

export function readDockerfile(text = readFileSync(DOCKERFILE, 'utf8')): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`not an instruction: ${line}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!f) throw new Error(`unexpected FROM: ${rest}`);
      stages.push({ name: f[2] ?? String(stages.length), from: f[1]!.replace(/^\$\{(\w+)\}$/, (_, a: string) => args[a] ?? `\${${a}}`), instructions: [] });
      continue;
    }
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args[k!] = v ?? '';
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${op} before any FROM`);
    let json: string[] | undefined;
    const args0 = rest.replace(/^(--\S+\s+)*(CMD\s+)?/, '');
    if (args0.startsWith('[')) {
      try {
        json = JSON.parse(args0) as string[];
      } catch {
        /* shell form */
      }
    }
    stage.instructions.push({ op, args: rest, ...(json ? { json } : {}) });
  }
  return { args, stages };
}

/** A stage by name (throws when absent). */
export function stage(d: { stages: Stage[] }, name: string): Stage {
  const s = d.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name} in the Dockerfile`);
  return s;
}

/** The instructions a stage has, its own and those of the stages it is built `FROM`, in order. */
export function effective(d: { stages: Stage[] }, name: string): Instruction[] {
  const s = stage(d, name);
  const parent = d.stages.find((x) => x.name === s.from);
  return [...(parent ? effective(d, parent.name) : []), ...s.instructions];
}
