/**
 * Response validation against the API documents: every response the test helpers receive must have
 * a status the document declares for that operation and a body that validates against the declared
 * schema (ajv on the bundled document, so the JSON Schemas it references are checked too). A request
 * to a documented path with a method it does not have must be a 405 problem.
 */
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { bundleOpenApi } from '../../services/core/src/openapi/bundle.ts';
import { REPO_ROOT, SCHEMA_LOCATION } from '../../services/core/src/openapi/generate.ts';

const addFormats = addFormatsModule.default;

type Node = Record<string, unknown>;

interface Contract {
  name: string;
  doc: Node;
  ajv: Ajv2020;
  paths: { template: string; pattern: RegExp; item: Node }[];
}

const contracts = new Map<string, Contract>();

function contractOf(name: 'gateway' | 'audit'): Contract {
  let c = contracts.get(name);
  if (c === undefined) {
    const doc = bundleOpenApi(join(REPO_ROOT, `openapi/${name}.yaml`), SCHEMA_LOCATION) as Node;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, name);
    const paths = Object.entries(doc.paths as Node).map(([template, item]) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      item: item as Node,
    }));
    c = { name, doc, ajv, paths };
    contracts.set(name, c);
  }
  return c;
}

const pointer = (parts: string[]): string => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * What is wrong with one response by the document `name`; empty when it conforms. A path the
 * document does not have (a 404 for no route) is only checked to be a problem document.
 */
export function responseProblems(name: 'gateway' | 'audit', method: string, url: string, status: number, contentType: string | null, body: unknown): string[] {
  const c = contractOf(name);
  const path = url.split('?')[0]!;
  const where = `${method} ${path} -> ${status}`;
  const validate = (parts: string[]): string[] => {
    const v = c.ajv.getSchema(`${name}#/${pointer(parts)}`) as ValidateFunction | undefined;
    if (v === undefined) return [`${where}: no schema at ${parts.join('/')}`];
    return v(body) ? [] : (v.errors ?? []).slice(0, 5).map((e) => `${where}: ${e.instancePath || '/'} ${e.message ?? ''}`);
  };
  const problem = (): string[] => {
    if (!contentType?.startsWith('application/problem+json')) return [`${where}: content type ${contentType} is not application/problem+json`];
    return validate(['components', 'schemas', 'Problem']);
  };
  const match = c.paths.find((p) => p.pattern.test(path));
  if (match === undefined) return status >= 400 ? problem() : [`${where}: a success for a path ${name}.yaml does not have`];
  const m = method.toLowerCase();
  const op = match.item[m] as Node | undefined;
  if (op === undefined) {
    if (m === 'head' && match.item.get !== undefined) return [];
    return status === 405 ? problem() : [`${where}: ${name}.yaml has no ${method.toUpperCase()} ${match.template}, so only 405 is right`];
  }
  const responses = op.responses as Node;
  const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
  if (key === undefined) return [`${where}: status not declared for ${method.toUpperCase()} ${match.template}`];
  let parts = ['paths', match.template, m, 'responses', key];
  let response = responses[key] as Node;
  if (typeof response.$ref === 'string') {
    parts = response.$ref.slice(2).split('/');
    response = parts.reduce<Node>((n, p) => n[p] as Node, c.doc);
  }
  const content = response.content as Node | undefined;
  if (content === undefined) return [];
  if (m === 'head') return [];
  const type = Object.keys(content).find((t) => contentType?.startsWith(t));
  if (type === undefined) return [`${where}: content type ${contentType} is not one of ${Object.keys(content).join(', ')}`];
  return validate([...parts, 'content', type, 'schema']);
}

/** Throws when a response does not conform (see {@link responseProblems}). */
export function assertConforms(name: 'gateway' | 'audit', method: string, url: string, res: { status: number; headers: Headers }, body: unknown): void {
  const problems = responseProblems(name, method, url, res.status, res.headers.get('content-type'), body);
  if (problems.length > 0) throw new Error(`response does not match openapi/${name}.yaml:\n${problems.join('\n')}`);
}

/** What is wrong with `value` against `components.schemas.<schema>` of the document `name`; empty when it conforms. */
export function componentProblems(name: 'gateway' | 'audit', schema: string, value: unknown): string[] {
  const v = contractOf(name).ajv.getSchema(`${name}#/components/schemas/${schema}`) as ValidateFunction | undefined;
  if (v === undefined) return [`no schema ${schema} in ${name}.yaml`];
  return v(value) ? [] : (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
