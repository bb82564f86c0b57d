/**
 * `<mx-schema-form>`: a form whose fields follow a JSON Schema from `schemas/` (one source of truth:
 * the form offers exactly what the gateway validates). Objects are fieldsets with a legend, arrays
 * have add/remove (an array of enum values is a group of checkboxes), enums are selects, `date` and
 * `date-time` strings are date inputs, booleans checkboxes; `required`, `maxLength`, `minimum`...
 * become attributes. `value` is the JSON the fields describe, with empty fields left out.
 *
 * Every text comes from the catalogue of the caller's `area`, never from the schema (whose titles
 * are English only):
 * - `<area>.form.<name>.<property path>`: the label of each field (`officer.form.victim-repatriation-notice.child.names.lang`;
 *   array indexes are not part of the path);
 * - `<area>.enum.<value>`: an enum option (the value itself when the catalogue has none);
 * - `<area>.form.item` (`{label} {n}`), `<area>.form.add`, `<area>.form.remove` (`{label}`),
 *   `<area>.form.choose`, `<area>.form.required`, `<area>.form.errors`;
 * - `<area>.form.error.<keyword>`: a field error by its ajv keyword (`required`, `maxLength`...),
 *   else `<area>.form.error.invalid`.
 *
 * The gateway validates (the browser's own validation is off): `showErrors(errors)` puts each
 * problem+json `errors[]` entry beside the field its JSON pointer names (`aria-invalid`,
 * `aria-describedby`); an entry whose field is not rendered goes to a summary at the top, with a
 * link to the nearest field that is.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import defsJson from '../../../../schemas/common/defs.v1.json';
import type { FieldError } from './api.ts';
import './schema-form.css';
import { has, problemText, t } from './i18n.ts';
import { MxElement } from './page.ts';

/** The part of JSON Schema 2020-12 the form reads. */
export interface JsonSchema {
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string;
  format?: string;
  enum?: readonly (string | number | boolean)[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  [keyword: string]: unknown;
}

const defs = defsJson as unknown as JsonSchema;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Raw = string | boolean | Raw[] | { [k: string]: Raw } | undefined;

/** Schema documents by `$id`, so a relative `$ref` resolves as it does for the gateway's ajv. */
const DOCUMENTS = new Map<string, JsonSchema>([[defs.$id!, defs as JsonSchema]]);

interface Located {
  node: JsonSchema;
  /** `$id` of the document the node is in (its `$ref`s resolve against it). */
  base: string;
}

function resolve(node: JsonSchema, base: string): Located {
  let here: Located = { node, base };
  for (let hops = 0; here.node.$ref !== undefined && hops < 16; hops++) {
    const url = new URL(here.node.$ref, here.base);
    const docId = url.href.replace(/#.*$/, '');
    const doc = DOCUMENTS.get(docId);
    if (!doc) throw new Error(`schema-form: unknown schema ${docId}`);
    let target: unknown = doc;
    for (const token of url.hash.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      target = (target as Record<string, unknown>)[decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (!target || typeof target !== 'object') throw new Error(`schema-form: ${here.node.$ref} does not resolve`);
    here = { node: target as JsonSchema, base: docId };
  }
  return here;
}

/**
 * The schema of the field at `keyPath` (property names, no array indexes) under `root`, `$ref`s
 * resolved; array levels are stepped through to their items. For showing a stored value as the
 * form would (an enum's option text, a date as a date).
 */
export function schemaAt(root: JsonSchema, keyPath: readonly string[]): JsonSchema | undefined {
  if (root.$id && !DOCUMENTS.has(root.$id)) DOCUMENTS.set(root.$id, root);
  let here = resolve(root, root.$id ?? defs.$id!);
  const stepIntoItems = (): void => {
    while (here.node.type === 'array' && here.node.items) here = resolve(here.node.items, here.base);
  };
  for (const k of keyPath) {
    stepIntoItems();
    const child = here.node.properties?.[k];
    if (!child) return undefined;
    here = resolve(child, here.base);
  }
  return here.node;
}

/** A JSON Pointer token. */
function token(k: string | number): string {
  return String(k).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Whether the browser accepts `pattern` as an HTML `pattern` (compiled with the `v` flag). */
function htmlPattern(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  try {
    new RegExp(p, 'v');
    return p.replace(/^\^/, '').replace(/\$$/, '');
  } catch {
    return undefined;
  }
}

function isEnumSet(node: JsonSchema, base: string): boolean {
  return node.type === 'array' && node.uniqueItems === true && node.items !== undefined && resolve(node.items, base).node.enum !== undefined;
}

/** `2026-12-01T10:30` (a datetime-local input, in the officer's time zone) as a UTC timestamp. */
function toTimestamp(local: string): string | undefined {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

export class MxSchemaForm extends MxElement {
  static override properties = {
    schema: { attribute: false },
    area: {},
    name: {},
    errorPrefix: { attribute: 'error-prefix' },
    raw: { state: true },
    errors: { state: true },
  };
  /** The root schema (a JSON file under `schemas/`, imported by the caller). */
  declare schema: JsonSchema;
  /** The catalogue area the labels come from (`officer`, `desk`). */
  declare area: string;
  /** The schema's name in catalogue keys; by default its file name without `.v1.json`. */
  declare name: string;
  /** Pointer prefix of the form's value in the request (`/body`): errors outside it are the caller's. */
  declare errorPrefix: string;
  declare raw: { [k: string]: Raw };
  declare errors: FieldError[];
  /** Pointers of the fields and fieldsets the last render drew. */
  private rendered = new Set<string>();

  constructor() {
    super();
    this.area = 'officer';
    this.name = '';
    this.errorPrefix = '';
    this.raw = {};
    this.errors = [];
  }

  private get root(): Located {
    if (this.schema.$id && !DOCUMENTS.has(this.schema.$id)) DOCUMENTS.set(this.schema.$id, this.schema);
    return { node: this.schema, base: this.schema.$id ?? defs.$id! };
  }

  private get schemaName(): string {
    return this.name || (this.schema.$id ?? '').replace(/^.*\//, '').replace(/\.v\d+\.json$/, '');
  }

  /** The JSON the fields describe; empty fields are left out, required arrays stay (possibly empty). */
  get value(): Json {
    return this.convert(this.root, this.raw, true) ?? {};
  }

  /** Fills the fields from a JSON value (e.g. a draft); a `date-time` is shown in local time. */
  set value(v: Json) {
    this.raw = this.toRaw(this.root, v) as { [k: string]: Raw };
  }

  /**
   * Shows each entry beside its field (clearing earlier ones). Returns the entries outside
   * `errorPrefix`, for the caller's own fields.
   */
  showErrors(errors: readonly FieldError[]): FieldError[] {
    const mine: FieldError[] = [];
    const others: FieldError[] = [];
    for (const e of errors) {
      if (this.errorPrefix === '' || e.path === this.errorPrefix || e.path.startsWith(this.errorPrefix + '/')) mine.push({ ...e, path: e.path.slice(this.errorPrefix.length) });
      else others.push(e);
    }
    this.errors = mine;
    return others;
  }

  /** Focuses the first field with an error, or the summary. */
  async focusFirstError(): Promise<void> {
    await this.updateComplete;
    const target = this.querySelector<HTMLElement>('[aria-invalid="true"], .form-errors');
    target?.focus();
  }

  /** Id of the element drawn for a pointer. */
  fieldId(pointer: string): string {
    return `sf-${this.schemaName}${pointer.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  // ---- value bookkeeping ----

  private set(path: readonly (string | number)[], v: Raw): void {
    const next = structuredClone(this.raw) as { [k: string]: Raw };
    let at: Record<string | number, Raw> = next;
    path.forEach((k, i) => {
      if (i === path.length - 1) at[k] = v;
      else {
        if (at[k] === undefined || typeof at[k] !== 'object') at[k] = typeof path[i + 1] === 'number' ? [] : {};
        at = at[k] as Record<string | number, Raw>;
      }
    });
    this.raw = next;
  }

  private get(path: readonly (string | number)[]): Raw {
    let at: Raw = this.raw;
    for (const k of path) {
      if (at === undefined || typeof at !== 'object') return undefined;
      at = (at as Record<string | number, Raw>)[k];
    }
    return at;
  }

  private convert(loc: Located, raw: Raw, required: boolean): Json | undefined {
    const { node, base } = resolve(loc.node, loc.base);
    if (node.type === 'object') {
      const out: { [k: string]: Json } = {};
      const obj = raw !== undefined && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
      for (const [k, child] of Object.entries(node.properties ?? {})) {
        const v = this.convert({ node: child, base }, obj[k], (node.required ?? []).includes(k));
        if (v !== undefined) out[k] = v;
      }
      return Object.keys(out).length > 0 || required ? out : undefined;
    }
    if (node.type === 'array') {
      const items = Array.isArray(raw) ? raw : [];
      const out = node.items ? items.map((r) => this.convert({ node: node.items!, base }, r, true)).filter((v): v is Json => v !== undefined) : [];
      return out.length > 0 || required ? out : undefined;
    }
    if (node.type === 'boolean') return raw === true ? true : required ? false : undefined;
    if (typeof raw !== 'string' || raw.trim() === '') return undefined;
    if (node.type === 'integer' || node.type === 'number') {
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    if (node.format === 'date-time') return toTimestamp(raw);
    return raw;
  }

  private toRaw(loc: Located, v: Json | undefined): Raw {
    const { node, base } = resolve(loc.node, loc.base);
    if (v === undefined || v === null) return undefined;
    if (node.type === 'object' && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, child]) => [k, this.toRaw({ node: child, base }, v[k])]));
    }
    if (node.type === 'array' && Array.isArray(v)) return v.map((x) => (node.items ? this.toRaw({ node: node.items, base }, x) : undefined));
    if (typeof v === 'boolean') return v;
    if (node.format === 'date-time' && typeof v === 'string') {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    }
    return String(v);
  }

  // ---- texts ----

  private label(keyPath: readonly string[]): string {
    return t(`${this.area}.form.${this.schemaName}.${keyPath.join('.')}`);
  }

  private option(value: string): string {
    const key = `${this.area}.enum.${value}`;
    return has(key) ? t(key) : value;
  }

  /** The catalogue text of a field error (its ajv keyword), never the server's English message. */
  errorText(e: FieldError): string {
    const key = `${this.area}.form.error.${e.code}`;
    if (has(key)) return t(key);
    return has(`${this.area}.form.error.invalid`) ? t(`${this.area}.form.error.invalid`) : problemText('VALIDATION_FAILED');
  }

  private errorsAt(pointer: string): FieldError[] {
    return this.errors.filter((e) => e.path === pointer);
  }

  /** The error paragraph of a field and the attributes its control needs. */
  private describe(pointer: string): { errs: FieldError[]; errId: string; block: TemplateResult | typeof nothing } {
    this.rendered.add(pointer);
    const errs = this.errorsAt(pointer);
    const errId = `${this.fieldId(pointer)}-error`;
    const block = errs.length > 0 ? html`<p class="error" id=${errId}>${errs.map((e) => this.errorText(e)).join(' ')}</p>` : nothing;
    return { errs, errId, block };
  }

  private requiredMark(required: boolean): TemplateResult | typeof nothing {
    return required ? html` <abbr class="req" title=${t(`${this.area}.form.required`)}>*</abbr>` : nothing;
  }

  // ---- rendering ----

  override render(): TemplateResult {
    if (!this.schema) return html``;
    this.rendered = new Set();
    const body = this.node(this.root, [], [], true, true);
    // Entries whose pointer names no drawn field: summarised, linked to the nearest drawn ancestor.
    const stray = this.errors.filter((e) => !this.rendered.has(e.path));
    return html`${stray.length > 0
        ? html`<div class="form-errors error" role="alert" tabindex="-1">
            <p>${t(`${this.area}.form.errors`)}</p>
            <ul>
              ${stray.map((e) => {
                const near = this.nearestRendered(e.path);
                const where = this.pointerLabel(e.path);
                return html`<li>${near !== undefined ? html`<a href="#" @click=${(ev: Event) => { ev.preventDefault(); this.focusField(near); }}>${where}</a>` : where}: ${this.errorText(e)}</li>`;
              })}
            </ul>
          </div>`
        : nothing}
      <p class="muted">${t(`${this.area}.form.requiredNote`)}</p>
      ${body}`;
  }

  private nearestRendered(pointer: string): string | undefined {
    let p = pointer;
    for (;;) {
      if (this.rendered.has(p) && p !== '') return p;
      if (p === '') return undefined;
      p = p.slice(0, p.lastIndexOf('/'));
    }
  }

  /** The label of the field a pointer names (indexes dropped), or the form's own name for the root. */
  private pointerLabel(pointer: string): string {
    const names = pointer.split('/').slice(1).filter((s) => !/^\d+$/.test(s)).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const key = `${this.area}.form.${this.schemaName}${names.length ? '.' + names.join('.') : ''}`;
    return has(key) ? t(key) : t(`${this.area}.form.${this.schemaName}`);
  }

  private focusField(pointer: string): void {
    const el = document.getElementById(this.fieldId(pointer));
    const target = el?.matches('input, select, textarea, button') ? el : el?.querySelector<HTMLElement>('input, select, textarea, button') ?? el;
    target?.focus();
  }

  /**
   * One schema node at `path` (value path, with indexes) and `keyPath` (label path, without).
   * `top` is the root object, drawn without a fieldset of its own.
   */
  private node(loc: Located, path: (string | number)[], keyPath: string[], required: boolean, top = false): TemplateResult {
    const { node, base } = resolve(loc.node, loc.base);
    const pointer = path.map((k) => '/' + token(k)).join('');
    if (node.type === 'object') return this.object({ node, base }, path, keyPath, required, pointer, top);
    if (node.type === 'array') return isEnumSet(node, base) ? this.enumSet({ node, base }, path, keyPath, required, pointer) : this.array({ node, base }, path, keyPath, required, pointer);
    return this.leaf(node, path, this.label(keyPath), required, pointer);
  }

  private object(loc: Located, path: (string | number)[], keyPath: string[], required: boolean, pointer: string, top: boolean): TemplateResult {
    const { node, base } = loc;
    const req = node.required ?? [];
    const { errs, errId, block } = this.describe(pointer);
    const fields = Object.entries(node.properties ?? {}).map(([k, child]) => this.node({ node: child, base }, [...path, k], [...keyPath, k], req.includes(k)));
    if (top) return html`${block}${fields}`;
    return html`<fieldset id=${this.fieldId(pointer)} aria-describedby=${errs.length ? errId : nothing}>
      <legend>${typeof path.at(-1) === 'number' ? t(`${this.area}.form.item`, { label: this.label(keyPath), n: (path.at(-1) as number) + 1 }) : this.label(keyPath)}${this.requiredMark(required && typeof path.at(-1) !== 'number')}</legend>
      ${block}${fields}
    </fieldset>`;
  }

  private array(loc: Located, path: (string | number)[], keyPath: string[], required: boolean, pointer: string): TemplateResult {
    const { node, base } = loc;
    const { errs, errId, block } = this.describe(pointer);
    let items = this.get(path);
    if (!Array.isArray(items)) {
      // A required list that needs an entry starts with one, so the officer sees what to fill.
      items = required && (node.minItems ?? 0) > 0 ? [undefined] : [];
    }
    const list = items as Raw[];
    const label = this.label(keyPath);
    const item = resolve(node.items ?? {}, base);
    const max = node.maxItems ?? Infinity;
    return html`<fieldset id=${this.fieldId(pointer)} class="array" aria-describedby=${errs.length ? errId : nothing}>
      <legend>${label}${this.requiredMark(required)}</legend>
      ${block}
      ${list.map((_v, i) => {
        const itemPointer = `${pointer}/${i}`;
        const remove = html`<button type="button" class="remove" @click=${() => this.set(path, list.filter((_x, j) => j !== i))}>${t(`${this.area}.form.remove`, { label: t(`${this.area}.form.item`, { label, n: i + 1 }) })}</button>`;
        if (item.node.type === 'object') return html`<div class="array-item">${this.node(item, [...path, i], keyPath, true)}${remove}</div>`;
        return html`<div class="array-item">${this.leaf(item.node, [...path, i], t(`${this.area}.form.item`, { label, n: i + 1 }), true, itemPointer)}${remove}</div>`;
      })}
      ${list.length < max ? html`<button type="button" class="add" @click=${() => this.set(path, [...list, item.node.type === 'object' ? {} : undefined])}>${t(`${this.area}.form.add`, { label })}</button>` : nothing}
    </fieldset>`;
  }

  private enumSet(loc: Located, path: (string | number)[], keyPath: string[], required: boolean, pointer: string): TemplateResult {
    const { node, base } = loc;
    const { errs, errId, block } = this.describe(pointer);
    const chosen = (Array.isArray(this.get(path)) ? this.get(path) : []) as Raw[];
    const values = (resolve(node.items!, base).node.enum ?? []).map(String);
    return html`<fieldset id=${this.fieldId(pointer)} class="choices" aria-describedby=${errs.length ? errId : nothing}>
      <legend>${this.label(keyPath)}${this.requiredMark(required)}</legend>
      ${block}
      ${values.map((v) => {
        const id = `${this.fieldId(pointer)}-${v.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        return html`<div class="check"><input type="checkbox" id=${id} .checked=${live(chosen.includes(v))} aria-invalid=${errs.length ? 'true' : nothing} aria-describedby=${errs.length ? errId : nothing}
            @change=${(e: Event) => this.set(path, (e.target as HTMLInputElement).checked ? [...chosen.filter((x) => x !== v), v].sort((a, b) => values.indexOf(String(a)) - values.indexOf(String(b))) : chosen.filter((x) => x !== v))}>
          <label for=${id}>${this.option(v)}</label></div>`;
      })}
    </fieldset>`;
  }

  private leaf(node: JsonSchema, path: (string | number)[], label: string, required: boolean, pointer: string): TemplateResult {
    const id = this.fieldId(pointer);
    const { errs, errId, block } = this.describe(pointer);
    const raw = this.get(path);
    const invalid = errs.length > 0 ? 'true' : nothing;
    const described = errs.length > 0 ? errId : nothing;
    const text = (e: Event): void => this.set(path, (e.target as HTMLInputElement).value);
    if (node.type === 'boolean') {
      return html`<div class="field check">
        <div><input type="checkbox" id=${id} .checked=${live(raw === true)} aria-invalid=${invalid} aria-describedby=${described} @change=${(e: Event) => this.set(path, (e.target as HTMLInputElement).checked)}>
        <label for=${id}>${label}</label></div>${block}
      </div>`;
    }
    const labelEl = html`<label for=${id}>${label}${this.requiredMark(required)}</label>`;
    const value = typeof raw === 'string' ? raw : '';
    if (node.enum) {
      return html`<div class="field">${labelEl}
        <select id=${id} ?required=${required} aria-invalid=${invalid} aria-describedby=${described} @change=${text}>
          <option value="" ?selected=${value === ''}>${t(`${this.area}.form.choose`)}</option>
          ${node.enum.map((o) => html`<option value=${String(o)} ?selected=${value === String(o)}>${this.option(String(o))}</option>`)}
        </select>${block}</div>`;
    }
    if (node.type === 'integer' || node.type === 'number') {
      return html`<div class="field">${labelEl}
        <input type="number" id=${id} inputmode="numeric" .value=${live(value)} ?required=${required} min=${node.minimum ?? nothing} max=${node.maximum ?? nothing} step=${node.type === 'integer' ? '1' : 'any'}
          aria-invalid=${invalid} aria-describedby=${described} @input=${text}>${block}</div>`;
    }
    if ((node.maxLength ?? 0) > 200 && !node.format && !node.pattern) {
      return html`<div class="field">${labelEl}
        <textarea id=${id} rows="3" .value=${live(value)} ?required=${required} maxlength=${node.maxLength ?? nothing} minlength=${node.minLength ?? nothing}
          aria-invalid=${invalid} aria-describedby=${described} @input=${text}></textarea>${block}</div>`;
    }
    const type = node.format === 'date' ? 'date' : node.format === 'date-time' ? 'datetime-local' : 'text';
    return html`<div class="field">${labelEl}
      <input type=${type} id=${id} .value=${live(value)} ?required=${required}
        maxlength=${type === 'text' ? node.maxLength ?? nothing : nothing} minlength=${type === 'text' ? node.minLength ?? nothing : nothing} pattern=${type === 'text' ? htmlPattern(node.pattern) ?? nothing : nothing}
        autocomplete="off" spellcheck="false" aria-invalid=${invalid} aria-describedby=${described} @input=${text} @change=${text}>${block}</div>`;
  }
}

customElements.define('mx-schema-form', MxSchemaForm);
