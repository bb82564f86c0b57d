/**
 * Contract rules the linter does not know:
 * - every 4xx/5xx (and `default`) response of both documents is `application/problem+json` and
 *   nothing else, with the shared Problem schema (openapi/components/problem.yaml);
 * - every operation documents its error answers (replacing redocly's operation-4xx-response,
 *   which redocly.yaml turns off for the unauthenticated health and readiness routes);
 * - the error codes in the documents are exactly the catalogue's, and every HTTP status the
 *   catalogue uses is documented by the gateway;
 * - `x-roles` names only known roles, and exactly the public routes have none.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from '../../services/core/src/errors/catalogue.ts';
import { GENERATED_FILES, REPO_ROOT } from '../../services/core/src/openapi/generate.ts';
import type { components as GatewayComponents } from '../../openapi/generated/gateway.ts';
import type { components as AuditComponents } from '../../openapi/generated/audit.ts';

type Node = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PROBLEM_REF = '#/components/schemas/Problem';
const ROLES = new Set(['liaison-officer', 'interpol-desk', 'auditor', 'analyst']);

function load(file: string): Node {
  return parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Node;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Operation {
  where: string;
  op: Node;
}

function operations(doc: Node): Operation[] {
  const paths = isNode(doc.paths) ? doc.paths : {};
  return Object.entries(paths).flatMap(([p, item]) =>
    METHODS.filter((m) => isNode(item) && isNode(item[m])).map((m) => ({ where: `${m.toUpperCase()} ${p}`, op: (item as Node)[m] as Node })),
  );
}

/** A response object, following one `#/components/responses/...` reference. */
function resolveResponse(doc: Node, response: unknown): Node | undefined {
  if (isNode(response) && typeof response.$ref === 'string') {
    const match = /^#\/components\/responses\/([^/]+)$/.exec(response.$ref);
    const responses = isNode(doc.components) && isNode(doc.components.responses) ? doc.components.responses : {};
    const target = match ? responses[match[1]!] : undefined;
    return isNode(target) ? target : undefined;
  }
  return isNode(response) ? response : undefined;
}

function isErrorStatus(status: string): boolean {
  return status === 'default' || /^[45]/.test(status);
}

/** Every error response that is not exactly `application/problem+json` with the Problem schema. */
function problemViolations(doc: Node): string[] {
  const out: string[] = [];
  for (const { where, op } of operations(doc)) {
    const responses = isNode(op.responses) ? op.responses : {};
    for (const [status, raw] of Object.entries(responses)) {
      if (!isErrorStatus(status)) continue;
      const response = resolveResponse(doc, raw);
      if (response === undefined) {
        out.push(`${where} ${status}: unresolvable response`);
        continue;
      }
      const content = isNode(response.content) ? response.content : {};
      const types = Object.keys(content);
      if (types.length !== 1 || types[0] !== 'application/problem+json') {
        out.push(`${where} ${status}: content types ${JSON.stringify(types)}`);
        continue;
      }
      const media = content['application/problem+json'];
      const schema = isNode(media) ? media.schema : undefined;
      if (!isNode(schema) || schema.$ref !== PROBLEM_REF || Object.keys(schema).length !== 1) {
        out.push(`${where} ${status}: schema is not ${PROBLEM_REF}`);
      }
    }
  }
  return out;
}

const SPECS = Object.keys(GENERATED_FILES);

describe.each(SPECS)('%s', (spec) => {
  const doc = load(spec);
  const ops = operations(doc);

  it('every 4xx/5xx response is application/problem+json with the shared Problem schema', () => {
    expect(ops.length).toBeGreaterThan(5);
    expect(problemViolations(doc)).toEqual([]);
    const schemas = (doc.components as { schemas: Node }).schemas;
    expect(schemas.Problem).toEqual({ $ref: './components/problem.yaml' });
    expect(schemas.ErrorCode).toEqual({ $ref: './components/error-code.yaml' });
  });

  it('every operation documents its error answers', () => {
    for (const { where, op } of ops) {
      const statuses = Object.keys(isNode(op.responses) ? op.responses : {});
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      const required = ['500', ...(isPublic ? [] : ['401', '403']), ...(op.requestBody ? ['400', '413', '415', '422'] : [])];
      expect({ where, missing: required.filter((s) => !statuses.includes(s)) }).toEqual({ where, missing: [] });
      expect({ where, success: statuses.some((s) => /^2/.test(s)) }).toEqual({ where, success: true });
    }
  });

  it('x-roles names known roles; only the public routes have none', () => {
    for (const { where, op } of ops) {
      const roles = op['x-roles'];
      expect({ where, isArray: Array.isArray(roles) }).toEqual({ where, isArray: true });
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      expect({ where, roles: (roles as string[]).filter((r) => !ROLES.has(r)) }).toEqual({ where, roles: [] });
      expect({ where, hasRoles: (roles as string[]).length > 0 }).toEqual({ where, hasRoles: !isPublic });
    }
  });
});

describe('the checks above can fail', () => {
  it('reports an error response that is plain JSON, and one with another schema', () => {
    const doc = structuredClone(load('openapi/gateway.yaml'));
    const post = ((doc.paths as Node)['/v1/notices'] as Node).post as Node;
    (post.responses as Node)['409'] = { description: 'x', content: { 'application/json': { schema: { $ref: PROBLEM_REF } } } };
    (post.responses as Node)['413'] = { description: 'x', content: { 'application/problem+json': { schema: { type: 'object' } } } };
    expect(problemViolations(doc)).toEqual([
      'POST /v1/notices 409: content types ["application/json"]',
      'POST /v1/notices 413: schema is not #/components/schemas/Problem',
    ]);
  });
});

describe('error codes', () => {
  const errorCodeEnum = (load('openapi/components/error-code.yaml') as { enum: string[] }).enum;

  it('openapi/components/error-code.yaml lists exactly the catalogue codes', () => {
    expect([...errorCodeEnum].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('every HTTP status in the catalogue is documented by the gateway', () => {
    const doc = load('openapi/gateway.yaml');
    const documented = new Set(operations(doc).flatMap(({ op }) => Object.keys(isNode(op.responses) ? op.responses : {})));
    const statuses = [...new Set(Object.values(ERROR_CATALOGUE).map((e) => String(e.status)))];
    expect(statuses.filter((s) => !documented.has(s))).toEqual([]);
  });

  it('the generated ErrorCode types and the catalogue ErrorCode are the same union (checked by tsc)', () => {
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const gateway: Same<GatewayComponents['schemas']['ErrorCode'], ErrorCode> = true;
    const audit: Same<AuditComponents['schemas']['ErrorCode'], ErrorCode> = true;
    const problem: Same<GatewayComponents['schemas']['Problem']['code'], ErrorCode> = true;
    expect([gateway, audit, problem]).toEqual([true, true, true]);
  });
});
