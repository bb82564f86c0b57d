import { ERROR_CATALOGUE, ERROR_CODES, MxError, PROBLEM_TYPE_BASE, isErrorCode, isMxError, problemTypeOf, toProblem } from './index.ts';

const REQUIRED = [
  'MALFORMED', 'TOO_LARGE', 'UNKNOWN_KEY', 'UNKNOWN_ENDPOINT', 'KEY_NOT_VALID_AT_ISSUE_TIME', 'KEY_REVOKED',
  'SIGNATURE_INVALID', 'ALG_NOT_ALLOWED', 'TYP_MISMATCH', 'CRIT_UNSUPPORTED', 'HEADER_NOT_ALLOWED', 'NON_CANONICAL',
  'SCHEMA_INVALID', 'SENDER_MISMATCH', 'ISSUED_IN_FUTURE', 'TOO_OLD', 'LIFETIME_TOO_LONG', 'EXPIRED', 'ENCRYPTION_REQUIRED', 'DECRYPT_FAILED', 'ROUTE_FORBIDDEN',
  'NOT_ADDRESSED', 'NOT_A_PARTY', 'ID_CONFLICT', 'TOO_MANY_RESPONSES', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_KEY_IN_USE', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND',
  'NOT_ACCEPTABLE', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'BAD_JSON', 'INVALID_PARAMETER', 'HEADERS_TOO_LARGE', 'RATE_LIMITED', 'METHOD_NOT_ALLOWED', 'VALIDATION_FAILED', 'INTERNAL', 'UNAVAILABLE',
];

describe('error catalogue', () => {
  test('holds exactly the agreed codes', () => {
    expect([...ERROR_CODES].sort()).toEqual([...REQUIRED].sort());
  });

  test('every entry has an error status, a flag and a title the problem schema accepts', () => {
    for (const code of ERROR_CODES) {
      const spec = ERROR_CATALOGUE[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9_]{0,63}$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThanOrEqual(599);
      expect(typeof spec.retriable).toBe('boolean');
      expect(spec.title.length).toBeGreaterThan(0);
      expect(spec.title.length).toBeLessThanOrEqual(200);
    }
    expect(ERROR_CATALOGUE.UNAVAILABLE.retriable).toBe(true);
    expect(ERROR_CATALOGUE.SIGNATURE_INVALID.retriable).toBe(false);
  });

  test('problem type URIs are kebab-case per code', () => {
    expect(problemTypeOf('KEY_NOT_VALID_AT_ISSUE_TIME')).toBe(`${PROBLEM_TYPE_BASE}key-not-valid-at-issue-time`);
    expect(isErrorCode('EXPIRED')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});

describe('MxError and toProblem', () => {
  test('an MxError keeps code, status, flag, detail and field errors', () => {
    const err = new MxError('SCHEMA_INVALID', 'the document does not satisfy its schema', {
      issues: [{ path: '/body/child/sex', code: 'enum', message: 'must be one of the allowed values' }],
      verifiedSender: 'TH',
    });
    expect(isMxError(err, 'SCHEMA_INVALID')).toBe(true);
    expect(err.status).toBe(422);
    expect(err.verifiedSender).toBe('TH');
    expect(toProblem(err, 'urn:uuid:0190e6a0-0000-7000-8000-000000000000')).toEqual({
      type: 'https://mekong-exchange.example/problems/schema-invalid',
      title: ERROR_CATALOGUE.SCHEMA_INVALID.title,
      status: 422,
      code: 'SCHEMA_INVALID',
      detail: 'the document does not satisfy its schema',
      instance: 'urn:uuid:0190e6a0-0000-7000-8000-000000000000',
      errors: [{ path: '/body/child/sex', code: 'enum', message: 'must be one of the allowed values' }],
    });
  });

  test('without a detail the problem has none (the title says it)', () => {
    const p = toProblem(new MxError('NOT_FOUND'));
    expect(p).toEqual({ type: problemTypeOf('NOT_FOUND'), title: ERROR_CATALOGUE.NOT_FOUND.title, status: 404, code: 'NOT_FOUND' });
  });

  test('an unknown error becomes INTERNAL 500 with nothing of the original', () => {
    const secret = 'child name Somchai, passport P1234567';
    const err = new Error(secret);
    const p = toProblem(err, 'urn:uuid:x');
    expect(p).toEqual({ type: problemTypeOf('INTERNAL'), title: ERROR_CATALOGUE.INTERNAL.title, status: 500, code: 'INTERNAL', instance: 'urn:uuid:x' });
    const text = JSON.stringify(p);
    expect(text).not.toContain('Somchai');
    expect(text).not.toContain('at ');
    for (const thrown of [undefined, null, 42, 'boom', { status: 400, message: secret }]) {
      expect(toProblem(thrown).code).toBe('INTERNAL');
    }
  });

  test('a problem never carries the stack or cause of an MxError', () => {
    const err = new MxError('SIGNATURE_INVALID', undefined, { cause: new Error('payload {"child":"x"}') });
    const text = JSON.stringify(toProblem(err));
    expect(text).not.toContain('child');
    expect(text).not.toContain('stack');
    expect(Object.keys(toProblem(err)).sort()).toEqual(['code', 'status', 'title', 'type']);
  });

  test('body-parser errors map to the HTTP codes', () => {
    expect(toProblem(Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed', body: '{"x"' })).code).toBe('BAD_JSON');
    expect(toProblem(Object.assign(new Error('too large'), { type: 'entity.too.large' })).status).toBe(413);
    expect(toProblem(Object.assign(new Error('charset'), { type: 'charset.unsupported' })).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(JSON.stringify(toProblem(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed', body: 'SECRET' })))).not.toContain('SECRET');
  });

  test('field errors are clipped to the problem schema limits', () => {
    const issues = Array.from({ length: 150 }, (_, i) => ({ path: `/a/${i}`, code: 'x'.repeat(100), message: 'm'.repeat(400) }));
    const p = toProblem(new MxError('VALIDATION_FAILED', 'd'.repeat(2000), { issues }));
    expect(p.errors).toHaveLength(100);
    expect(p.errors![0]!.code.length).toBeLessThanOrEqual(64);
    expect(p.errors![0]!.message.length).toBeLessThanOrEqual(300);
    expect(p.detail!.length).toBeLessThanOrEqual(1000);
  });
});
