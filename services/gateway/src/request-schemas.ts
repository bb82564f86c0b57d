/**
 * HTTP request bodies are checked against the request schemas of openapi/gateway.yaml itself, so
 * the API document is the one source of truth: its `components.schemas` are compiled into the
 * shared Ajv instance (their `$ref`s to the JSON Schemas resolve to the already loaded ones).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { SCHEMA_BASE, type SchemaRegistry } from '../../core/src/schemas/registry.ts';

export const GATEWAY_OPENAPI = fileURLToPath(new URL('../../../openapi/gateway.yaml', import.meta.url));
const API_SCHEMA_ID = `${SCHEMA_BASE}openapi/gateway.components.json`;

/** Rewrites OpenAPI references into JSON Schema references the registry resolves. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      out[k] = v.startsWith('#/components/schemas/')
        ? `#/$defs/${v.slice('#/components/schemas/'.length)}`
        : v.startsWith('../schemas/')
          ? `${SCHEMA_BASE}${v.slice('../schemas/'.length)}`
          : v;
    } else out[k] = rewriteRefs(v);
  }
  return out;
}

export class RequestSchemas {
  constructor(private readonly schemas: SchemaRegistry) {
    const doc = parse(readFileSync(GATEWAY_OPENAPI, 'utf8')) as { components: { schemas: Record<string, unknown> } };
    // The Problem and ErrorCode components live in YAML files of their own and are response-only.
    const defs = Object.fromEntries(Object.entries(doc.components.schemas).filter(([, s]) => !JSON.stringify(s).includes('.yaml')));
    // Several gateways in one process (tests) share one registry: compile once.
    if (schemas.schemaIds().includes(API_SCHEMA_ID)) return;
    schemas.addSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: API_SCHEMA_ID, $defs: rewriteRefs(defs) });
  }

  /** Throws VALIDATION_FAILED with field-level issues (no values echoed). */
  check(component: 'SubmitNoticeRequest' | 'RespondRequest' | 'WithdrawRequest' | 'CorrectRequest', value: unknown): void {
    const issues = this.schemas.validate(`${API_SCHEMA_ID}#/$defs/${component}`, value);
    if (issues.length === 0) return;
    // oneOf over the message types reports only "matches none"; the type's own schema says why.
    const type = (value as { type?: unknown } | null)?.type;
    const detailed = typeof type === 'string' && BRANCH_TYPES.includes(type) ? this.schemas.validate(`${API_SCHEMA_ID}#/$defs/${branchOf(component, type)}`, value) : [];
    throw new MxError('VALIDATION_FAILED', 'the request does not satisfy the API schema', { issues: detailed.length > 0 ? detailed : issues });
  }
}

const BRANCH_TYPES = ['victim-repatriation-notice', 'repatriation-status-update', 'offender-travel-alert', 'offender-alert-response'];

function branchOf(component: string, type: string): string {
  const pascal = type.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (component === 'SubmitNoticeRequest') return `Submit${pascal}`;
  return type === 'repatriation-status-update' ? 'RespondWithStatusUpdate' : 'RespondWithAlertResponse';
}
