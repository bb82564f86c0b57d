/**
 * Generates the TypeScript types of the HTTP APIs from the OpenAPI documents:
 * `openapi/gateway.yaml` -> `openapi/generated/gateway.ts`, `openapi/audit.yaml` -> `openapi/generated/audit.ts`.
 *
 * `npm run generate` writes the files; `npm run generate -- --check` only reports whether they are
 * stale (exit code 1). test/openapi/generated.test.ts compares the committed files with
 * {@link renderGenerated}.
 *
 * Each document is first bundled from local files by {@link bundleOpenApi} (see there why), so
 * openapi-typescript only ever sees one self-contained document with internal `$ref`s: nothing is
 * resolved, let alone fetched, by URL.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { bundleOpenApi, BundleError, type SchemaLocation } from './bundle.ts';

/** The repository root (this file is services/core/src/openapi/generate.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The JSON Schemas' directory and the base of their `$id`s. */
export const SCHEMA_LOCATION: SchemaLocation = {
  dir: path.join(REPO_ROOT, 'schemas'),
  baseUri: 'https://schemas.mekong-exchange.example/',
};

/** Each OpenAPI document (relative to the repository root) and the file generated from it. */
export const GENERATED_FILES: Readonly<Record<string, string>> = Object.freeze({
  'openapi/gateway.yaml': 'openapi/generated/gateway.ts',
  'openapi/audit.yaml': 'openapi/generated/audit.ts',
});

function openapiTypescriptVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve('openapi-typescript/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function header(spec: string, version: string): string {
  return [
    '/**',
    ` * GENERATED FILE, do not edit. Made by \`npm run generate\` (services/core/src/openapi/generate.ts)`,
    ` * from ${spec} and the JSON Schemas it references, with openapi-typescript ${version}.`,
    ' * Change the OpenAPI document or the schemas, then run `npm run generate`;',
    ' * test/openapi/generated.test.ts fails while this file is stale.',
    ' */',
    '',
  ].join('\n');
}

/** Throws unless every `$ref` left in `node` is internal (`#...`). */
function assertSelfContained(node: unknown, where: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => assertSelfContained(item, `${where}/${i}`));
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
        throw new BundleError(`external $ref "${value}" left at ${where} after bundling`);
      }
      assertSelfContained(value, `${where}/${key}`);
    }
  }
}

/**
 * Renders every generated file without writing anything.
 * @returns generated file path (relative to the repository root, `/`-separated) -> its full text.
 */
export async function renderGenerated(): Promise<Record<string, string>> {
  const version = openapiTypescriptVersion();
  const out: Record<string, string> = {};
  for (const [spec, target] of Object.entries(GENERATED_FILES)) {
    const bundled = bundleOpenApi(path.join(REPO_ROOT, spec), SCHEMA_LOCATION);
    assertSelfContained(bundled, spec);
    const ast = await openapiTS(bundled as unknown as OpenAPI3, {
      // The lint proper is `redocly lint` (test/openapi/lint.test.ts); errors still throw here.
      silent: true,
      // An object schema without properties (the envelope's `body`) is any object, not `Record<string, never>`.
      emptyObjectsUnknown: true,
      cwd: pathToFileURL(`${REPO_ROOT}/`),
    });
    out[target] = header(spec, version) + astToString(ast);
  }
  return out;
}

/** Writes the generated files, or with `check` only lists the stale ones. */
export async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const started = performance.now();
  const files = await renderGenerated();
  const stale: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const absolute = path.join(REPO_ROOT, file);
    let current: string | undefined;
    try {
      current = readFileSync(absolute, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale.push(file);
    if (!check) writeFileSync(absolute, text);
  }
  const ms = Math.round(performance.now() - started);
  if (check) {
    console.log(stale.length === 0 ? `generated files are up to date (${ms} ms)` : `stale: ${stale.join(', ')}; run npm run generate`);
    return stale.length === 0 ? 0 : 1;
  }
  console.log(`${stale.length === 0 ? 'unchanged' : `wrote ${stale.join(', ')}`} (${ms} ms)`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
