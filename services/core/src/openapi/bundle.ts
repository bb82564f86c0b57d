/**
 * Bundles an OpenAPI document and the JSON Schemas it references into one self-contained document,
 * reading only local files.
 *
 * Why not leave this to openapi-typescript's own Redocly bundler:
 * - Redocly hoists every `$defs` entry it meets into `components.schemas` under its bare name and
 *   settles clashes by traversal order (`note`, then `$defs-note`, ...), so a type's name could
 *   change when an unrelated schema gains a definition.
 * - openapi-typescript 7 renders a schema's `$defs` as a required `$defs` property of the object
 *   type, which would make every notice body type demand a `$defs` member.
 * - 2020-12 schemas carry absolute `$id`s. Redocly ignores `$id` and resolves relative refs against
 *   the file's path; that agrees with ajv (which resolves them against `$id`) only while each file
 *   sits at the path its `$id` names. This bundler checks that, and refuses any absolute `$ref`, so
 *   nothing is ever fetched over the network.
 *
 * Here each external file becomes one component (named after the component that aliases it, or
 * after its path), each of its `$defs` entries the component `<Owner>.<name>`, and every `$ref` is
 * rewritten to point at those components.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** Where the JSON Schemas live on disk and the URI base their `$id`s use. */
export interface SchemaLocation {
  /** Absolute path of the `schemas/` directory. */
  readonly dir: string;
  /** The `$id` of `<dir>/x.json` must be `<baseUri>x.json`. */
  readonly baseUri: string;
}

/** Raised for a reference or schema file the bundler will not accept; names the file and the ref. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keywords whose values are data, not schemas: a `$ref` key inside them is not a reference. */
const DATA_KEYWORDS = new Set(['example', 'examples', 'const', 'default', 'enum']);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readDocument(file: string): Json {
  const text = readFileSync(file, 'utf8');
  try {
    return (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Json;
  } catch (err) {
    throw new BundleError(`cannot parse ${file}: ${(err as Error).message}`);
  }
}

/** `victim-repatriation-notice.v1.json` -> `VictimRepatriationNoticeV1`; `common/defs.v1.json` -> `CommonDefsV1`. */
function nameFromPath(relative: string): string {
  return relative
    .replace(/\.(json|ya?ml)$/, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function decodePointer(fragment: string): string[] {
  if (fragment === '' || fragment === '/') return [];
  if (!fragment.startsWith('/')) throw new BundleError(`unsupported fragment "#${fragment}" (only JSON Pointers)`);
  return fragment
    .slice(1)
    .split('/')
    .map((seg) => decodeURIComponent(seg).replaceAll('~1', '/').replaceAll('~0', '~'));
}

function encodeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function encodePointer(segments: readonly string[]): string {
  return segments.map((seg) => `/${encodeSegment(seg)}`).join('');
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * Returns a copy of the OpenAPI document at `specPath` in which every external `$ref` has been
 * replaced by a reference to a component holding the referenced schema. Throws a
 * {@link BundleError} for an absolute (`http:`, `https:`, `file:`...) `$ref`, a missing file, a
 * schema whose `$id` does not match its place on disk, or a `$defs` below a schema's top level.
 */
export function bundleOpenApi(specPath: string, schemas: SchemaLocation): JsonObject {
  const rootFile = path.resolve(specPath);
  const root = readDocument(rootFile);
  if (!isObject(root)) throw new BundleError(`${rootFile} is not an object`);
  const components = isObject(root.components) ? root.components : (root.components = {});
  const componentSchemas = isObject(components.schemas) ? components.schemas : (components.schemas = {});

  /** Absolute file -> the component name it becomes. */
  const owners = new Map<string, string>();
  const reserved = new Set(Object.keys(componentSchemas));

  // A component that is exactly `{ $ref: <file> }` gives the file its name (and is replaced by it).
  for (const [name, schema] of Object.entries(componentSchemas)) {
    if (isObject(schema) && Object.keys(schema).length === 1 && typeof schema.$ref === 'string') {
      const [uri = '', fragment = ''] = schema.$ref.split('#', 2);
      if (uri !== '' && decodePointer(fragment).length === 0) {
        const file = path.resolve(path.dirname(rootFile), uri);
        if (!owners.has(file)) owners.set(file, name);
      }
    }
  }

  const claim = (name: string, file: string): void => {
    if (reserved.has(name) && owners.get(file) !== name) {
      throw new BundleError(`component name "${name}" for ${file} is already taken in ${rootFile}`);
    }
    reserved.add(name);
  };

  const loaded = new Set<string>();
  /** Each loaded schema file as parsed, for inlining pointers into itself. */
  const originals = new Map<string, JsonObject>();

  const load = (file: string, via: string): string => {
    const relative = toPosix(path.relative(path.dirname(rootFile), file));
    let owner = owners.get(file);
    if (owner === undefined) {
      const underSchemas = toPosix(path.relative(schemas.dir, file));
      owner = nameFromPath(underSchemas.startsWith('..') ? relative : underSchemas);
      owners.set(file, owner);
    }
    if (loaded.has(file)) return owner;
    loaded.add(file);
    claim(owner, file);

    let doc: Json;
    try {
      doc = readDocument(file);
    } catch (err) {
      if (err instanceof BundleError) throw err;
      throw new BundleError(`cannot read ${file} (referenced from ${via}): ${(err as Error).message}`);
    }
    if (!isObject(doc)) throw new BundleError(`${file} is not a schema object`);
    originals.set(file, structuredClone(doc));

    if (doc.$id !== undefined) {
      const underSchemas = toPosix(path.relative(schemas.dir, file));
      const expected = `${schemas.baseUri}${underSchemas}`;
      if (underSchemas.startsWith('..') || doc.$id !== expected) {
        throw new BundleError(
          `${file} has $id ${JSON.stringify(doc.$id)} but its place on disk means ${JSON.stringify(expected)}; ` +
            'relative $refs would resolve differently for ajv ($id) and the OpenAPI tools (file path)',
        );
      }
    }

    const defs = doc.$defs;
    delete doc.$defs;
    delete doc.$id;
    delete doc.$schema;
    rewrite(doc, file, owner);
    componentSchemas[owner] = doc;

    if (defs !== undefined) {
      if (!isObject(defs)) throw new BundleError(`${file}: $defs is not an object`);
      for (const [defName, def] of Object.entries(defs)) {
        const name = `${owner}.${defName}`;
        claim(name, file);
        rewrite(def, file, owner);
        componentSchemas[name] = def;
      }
    }
    return owner;
  };

  /**
   * The component `$ref` for `fragment` inside the file whose component is `owner`:
   * `#/$defs/x/...` -> `#/components/schemas/<owner>.x/...`, any other pointer `#/p` -> `#/components/schemas/<owner>/p`.
   */
  const componentRef = (owner: string, fragment: string): string => {
    const segments = decodePointer(fragment);
    if (segments[0] === '$defs' && segments.length >= 2) {
      return `#/components/schemas/${encodeSegment(`${owner}.${segments[1]}`)}${encodePointer(segments.slice(2))}`;
    }
    return `#/components/schemas/${encodeSegment(owner)}${encodePointer(segments)}`;
  };

  /**
   * A same-file pointer that is neither the file itself nor a `$defs` entry (the envelope's
   * `{ "$ref": "#/properties/body" }`): its segments, else null.
   */
  function inlinePointer(ref: string): string[] | null {
    if (!ref.startsWith('#')) return null;
    const segments = decodePointer(ref.slice(1));
    return segments.length === 0 || segments[0] === '$defs' ? null : segments;
  }

  /**
   * Rewrites every `$ref` below `node` in place. Same-file pointers into a schema's own body are
   * replaced by a copy of their target: as a component reference they would make the schema's
   * type refer to itself (`NoticeDocument = {...} & { body: NoticeDocument["body"] }`).
   */
  function rewrite(node: Json, file: string, owner: string | null, inlining: readonly string[] = []): void {
    if (Array.isArray(node)) {
      for (const item of node) rewrite(item, file, owner, inlining);
      return;
    }
    if (!isObject(node)) return;
    let chain = inlining;
    let segments = owner !== null && typeof node.$ref === 'string' ? inlinePointer(node.$ref) : null;
    while (segments !== null) {
      const ref = node.$ref as string;
      if (chain.includes(ref)) throw new BundleError(`${file}: $ref "${ref}" refers to itself`);
      chain = [...chain, ref];
      let target: Json | undefined = originals.get(file);
      for (const seg of segments) target = isObject(target) ? target[seg] : Array.isArray(target) ? target[Number(seg)] : undefined;
      if (target === undefined) throw new BundleError(`${file}: $ref "${ref}" points at nothing`);
      const siblings: JsonObject = { ...node };
      delete siblings.$ref;
      delete node.$ref;
      // The referring node's own keywords (a description, say) win over the target's.
      Object.assign(node, structuredClone(target), siblings);
      segments = typeof node.$ref === 'string' ? inlinePointer(node.$ref) : null;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        node.$ref = resolveRef(value, file, owner);
      } else if (key === '$defs' && owner !== null) {
        throw new BundleError(`${file}: nested $defs are not supported; move them to the top level`);
      } else if (!DATA_KEYWORDS.has(key)) {
        rewrite(value, file, owner, chain);
      }
    }
  }

  function resolveRef(ref: string, file: string, owner: string | null): string {
    const hash = ref.indexOf('#');
    const uri = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : ref.slice(hash + 1);
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) {
      throw new BundleError(
        `absolute $ref "${ref}" in ${file}: reference schemas by relative file path so that no tool fetches anything over the network`,
      );
    }
    if (uri === '') {
      // Same document: the OpenAPI root keeps its own pointers; a schema file's pointers move with it.
      if (owner === null) return ref;
      return componentRef(owner, fragment);
    }
    const target = path.resolve(path.dirname(file), uri);
    if (target === rootFile) return `#${fragment}`;
    const targetOwner = load(target, file);
    return componentRef(targetOwner, fragment);
  }

  rewrite(root, rootFile, null);
  return root;
}
