/**
 * Every JSON text read from the wire is bounded in size and nesting depth before a parser sees
 * it, one test per parse step (record, protected header, payload, body inside the payload). A
 * few thousand levels of nesting otherwise make JSON.stringify or the schema validator throw a
 * RangeError, which is no verdict on the record and used to stall its partition.
 */
import { assertJsonBounds, MAX_JSON_DEPTH, MAX_PROTECTED_HEADER_BYTES, parseCanonicalJson } from '../../services/core/src/envelope/canonical.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { TYP_BY_CLASS } from '../../services/core/src/envelope/typ.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import { buildDocument } from '../fixtures/documents/index.ts';
import { makeWorld, rawRecord, rawSign, rejection, type World } from './support.ts';

const NOW = new Date('2026-03-02T08:15:00.000Z');
const DEEP = 5000;
const nest = (n: number, inner = '0'): string => '['.repeat(n) + inner + ']'.repeat(n);
const nestObject = (n: number): string => '{"a":'.repeat(n) + '"x"' + '}'.repeat(n);
/** JSON text of `value` with the string "DEEP" replaced by `deep` (JSON.stringify itself cannot write such depth). */
const withDeep = (value: unknown, deep: string): string => JSON.stringify(value).replace('"DEEP"', deep);
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const header = { alg: 'EdDSA', kid: 'TH:current', typ: TYP_BY_CLASS.notice };

let w: World;
beforeAll(async () => {
  w = await makeWorld(NOW);
});
const verify = (bytes: Uint8Array) => verifyNotice(bytes, w.trust, w.schemas, { now: NOW });
const notice = () => buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: NOW });

test('the scan counts arrays and objects outside strings only, escapes included', () => {
  expect(() => assertJsonBounds(nest(MAX_JSON_DEPTH), 'x', { maxBytes: 1e6 })).not.toThrow();
  expect(() => assertJsonBounds(nest(MAX_JSON_DEPTH + 1), 'x', { maxBytes: 1e6 })).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  // Brackets in a string, after an escaped quote and an escaped backslash, are text.
  const text = JSON.stringify({ s: `\\"${'['.repeat(1000)}{{{`, t: '\\', u: [[1]] });
  expect(() => assertJsonBounds(text, 'x', { maxBytes: 1e6, maxDepth: 3 })).not.toThrow();
  expect(() => assertJsonBounds(text, 'x', { maxBytes: 1e6, maxDepth: 2 })).toThrow(MxError);
  expect(() => assertJsonBounds('"ສະບາຍດີ"', 'x', { maxBytes: 10 })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  expect(() => parseCanonicalJson(Buffer.from(nest(DEEP)), 'x', { maxBytes: 1e6 })).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
});

test('record: anything but one flat object of three strings is MALFORMED, however deep', async () => {
  const deepRecord = Buffer.from(`{"protected":${nest(DEEP, '"a"')},"payload":"","signature":""}`);
  const err = await rejection(() => verify(deepRecord));
  expect([err.code, err.verifiedSender]).toEqual(['MALFORMED', undefined]);
});

test('protected header: deep nesting is MALFORMED and an oversized header TOO_LARGE, with no key needed', async () => {
  // Within the header's size limit, depth is what refuses it; a few thousand levels exceed the size first.
  for (const [deep, code] of [[nest(500), 'MALFORMED'], [nestObject(500), 'MALFORMED'], [nest(DEEP), 'TOO_LARGE'], [nestObject(DEEP), 'TOO_LARGE']] as const) {
    const record = Buffer.from(JSON.stringify({ protected: b64(withDeep({ ...header, x: 'DEEP' }, deep)), payload: b64('{}'), signature: '' }));
    const err = await rejection(() => verify(record));
    expect([err.code, err.verifiedSender]).toEqual([code, undefined]);
  }
  const big = rawRecord({ ...header, pad: 'p'.repeat(MAX_PROTECTED_HEADER_BYTES) }, '{}');
  expect((await rejection(() => verify(big))).code).toBe('TOO_LARGE');
});

test('payload: deep nesting signed with a real key is MALFORMED with the verified sender', async () => {
  const record = await rawSign(withDeep({ ...notice(), extra: 'DEEP' }, nest(DEEP)), header, w.keys.TH.privateKey);
  const err = await rejection(() => verify(record));
  expect([err.code, err.verifiedSender]).toEqual(['MALFORMED', 'TH']);
});

test('body: deep nesting inside the body is refused by the payload bound, not by a RangeError', async () => {
  const doc = notice();
  (doc.body as unknown as Record<string, unknown>).child = 'DEEP';
  const err = await rejection(async () => verify(await rawSign(withDeep(doc, nestObject(DEEP)), header, w.keys.TH.privateKey)));
  expect([err.code, err.verifiedSender]).toEqual(['MALFORMED', 'TH']);
  // Well inside the bound, a body still verifies: the bound is far above any schema's depth.
  const fine = notice();
  (fine.body as unknown as { child: { names: { value: string }[] } }).child.names[1]!.value = `${'['.repeat(100)} Testchild`;
  await expect(verify(await signNotice(fine, w.signers.TH))).resolves.toMatchObject({ endpoint: 'TH' });
});
