/**
 * Properties of the envelope over random valid documents (every type, fixture body variants,
 * random ids, endpoints, times, Unicode agency names, clear or encrypted bodies):
 * sign-then-verify gives back exactly the document, with a stable digest; any random mutation
 * of the signed bytes never verifies.
 */
import fc from 'fast-check';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { TYP_BY_CLASS, typOfType } from '../../services/core/src/envelope/typ.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import { MESSAGE_TYPES, type MessageType } from '../../services/core/src/schemas/registry.ts';
import { bodyVariants, buildDocument } from '../fixtures/documents/index.ts';
import { DAY, ENDPOINTS, makeWorld, type Endpoint, type World } from './support.ts';

const NOW = new Date('2026-03-02T08:15:00.000Z');
const MIN = 60 * 1000;
const ALL_TYPS = Object.values(TYP_BY_CLASS);
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');

let w: World;
beforeAll(async () => {
  w = await makeWorld(NOW);
});

const ENCRYPTABLE = new Set<MessageType>(['victim-repatriation-notice', 'repatriation-status-update']);

/** A random valid document; `from` is the signer. */
const documentArb = fc
  .record({
    type: fc.constantFrom(...MESSAGE_TYPES),
    from: fc.constantFrom(...ENDPOINTS),
    to: fc.uniqueArray(fc.constantFrom(...ENDPOINTS), { minLength: 1, maxLength: 4 }),
    id: fc.uuid({ version: 7 }),
    issuedOffset: fc.integer({ min: -6 * DAY, max: 4 * MIN }),
    lifetimeSeed: fc.double({ min: 0, max: 1, noNaN: true }),
    variantSeed: fc.nat(),
    agency: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    officer: fc.string({ unit: fc.constantFrom(...B64URL), minLength: 16, maxLength: 64 }),
    serial: fc.integer({ min: 0, max: 999_999 }),
    encrypted: fc.boolean(),
  })
  .map((r) => {
    const issuedAt = new Date(NOW.getTime() + r.issuedOffset);
    // A lifetime that is not yet over at NOW and within the 90-day bound.
    const minLifetime = Math.max(1000, NOW.getTime() - issuedAt.getTime() + 1000);
    const lifetime = Math.floor(minLifetime + r.lifetimeSeed * (90 * DAY - minLifetime));
    const variants = bodyVariants(r.type);
    const body = variants[r.variantSeed % variants.length]!.value as Record<string, unknown>;
    if (r.type === 'audit-event') body.gateway = r.from;
    const encrypted = r.encrypted && ENCRYPTABLE.has(r.type);
    const doc = buildDocument(r.type, {
      from: r.from,
      to: r.to,
      id: r.id,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + lifetime),
      ...(r.type === 'victim-repatriation-notice' || r.type === 'repatriation-status-update' ? { caseRef: `${r.from}-2026-${String(r.serial).padStart(6, '0')}` } : {}),
      ...(encrypted ? { encrypted: true } : { body: body as never }),
    }) as unknown as Record<string, unknown>;
    doc.sender = { officer: r.officer, agency: r.agency };
    return { doc, from: r.from as Endpoint, typ: typOfType(r.type)! };
  });

describe('envelope properties', () => {
  test('the generator makes schema-valid documents (else the properties below prove nothing)', () => {
    fc.assert(
      fc.property(documentArb, ({ doc }) => {
        expect(w.schemas.validateDocument(doc)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  test('sign then verify returns exactly the document; the digest is that of the bytes and stable', async () => {
    await fc.assert(
      fc.asyncProperty(documentArb, async ({ doc, from, typ }) => {
        const bytes = await signNotice(doc as never, w.signers[from]);
        const r = await verifyNotice(bytes, w.trust, w.schemas, { now: NOW, typ });
        expect(r.document).toStrictEqual(doc);
        expect(r.endpoint).toBe(from);
        expect(r.digest).toBe(digestOf(bytes));
        const again = await signNotice(structuredClone(doc) as never, w.signers[from]);
        expect(digestOf(again)).toBe(r.digest);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  test('random mutations of the signed bytes never verify', async () => {
    const mutationArb = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), len: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ kind: fc.constant('overwrite' as const), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) }),
    );
    await fc.assert(
      fc.asyncProperty(documentArb, mutationArb, async ({ doc, from }, m) => {
        const good = await signNotice(doc as never, w.signers[from]);
        const i = Math.floor(m.at * good.length);
        let bad: Uint8Array;
        switch (m.kind) {
          case 'flip':
            bad = Uint8Array.from(good);
            bad[i] = bad[i]! ^ m.mask;
            break;
          case 'insert':
            bad = Uint8Array.from([...good.subarray(0, i), m.byte, ...good.subarray(i)]);
            break;
          case 'delete':
            bad = Uint8Array.from([...good.subarray(0, i), ...good.subarray(i + m.len)]);
            break;
          case 'overwrite':
            bad = Uint8Array.from(good);
            bad.set(m.bytes.subarray(0, Math.max(0, good.length - i)), i);
            break;
          case 'truncate':
            bad = good.subarray(0, i);
            break;
        }
        fc.pre(Buffer.compare(Buffer.from(bad), Buffer.from(good)) !== 0);
        // Whatever class the verifier is prepared to accept.
        await expect(verifyNotice(bad, w.trust, w.schemas, { now: NOW, typ: ALL_TYPS })).rejects.toBeInstanceOf(MxError);
      }),
      { numRuns: 500 },
    );
  }, 120_000);
});
