/**
 * Possible-duplicate matching as pure functions: the normalisation of document numbers, the keyed
 * hash (every spelling of one passport matches; another issuing country, number or key does not)
 * and the overlap of two stays.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { alertDocumentHashes, documentMatchHash, documentMatchKey, normaliseDocumentNumber, staysOverlap } from '../../../services/gateway/src/duplicates.ts';
import { travelColumns } from '../../../services/gateway/src/lifecycle.ts';

const pseudonymKey = randomBytes(32);
const key = documentMatchKey(pseudonymKey);

describe('normaliseDocumentNumber', () => {
  test.each([
    ['ab1234567', 'AB1234567'],
    ['AB 123 4567', 'AB1234567'],
    ['ab-123-4567', 'AB1234567'],
    ['A.B/123 45-67', 'AB1234567'],
    ['AB1234567<<', 'AB1234567'],
    ['\uff21\uff22\uff11\uff12\uff13\uff14\uff15\uff16\uff17', 'AB1234567'], // full-width, as some keyboards type it
    [' AB1234567\t', 'AB1234567'],
  ])('%j -> %s', (spelling, normalised) => {
    expect(normaliseDocumentNumber(spelling)).toBe(normalised);
  });

  test('letters and digits are never conflated', () => {
    expect(normaliseDocumentNumber('AO1234567')).not.toBe(normaliseDocumentNumber('A01234567'));
  });
});

describe('documentMatchHash', () => {
  test('every spelling of one passport gives one hash', () => {
    const spellings = ['AB1234567', 'ab 123 4567', 'Ab-123-4567', 'AB.1234.567'];
    const hashes = new Set(spellings.map((n) => documentMatchHash(key, 'ZZ', n)));
    expect(hashes.size).toBe(1);
    expect(documentMatchHash(key, 'zz', 'AB1234567')).toBe(documentMatchHash(key, 'ZZ', 'AB1234567'));
  });

  test('another issuing country, another number or another endpoint key does not match', () => {
    const h = documentMatchHash(key, 'ZZ', 'AB1234567');
    expect(documentMatchHash(key, 'YY', 'AB1234567')).not.toBe(h);
    expect(documentMatchHash(key, 'ZZ', 'AB1234568')).not.toBe(h);
    expect(documentMatchHash(documentMatchKey(randomBytes(32)), 'ZZ', 'AB1234567')).not.toBe(h);
  });

  test('the hash is HMAC-SHA256 of COUNTRY:NUMBER under a key derived apart from officer pseudonyms', () => {
    const h = documentMatchHash(key, 'ZZ', 'ab-1234567');
    expect(h).toBe(createHmac('sha256', key).update('ZZ:AB1234567').digest('base64url'));
    // Neither the number nor an unkeyed digest of it, and not the pseudonym key used directly.
    expect(h).not.toContain('AB1234567');
    expect(h).not.toBe(createHmac('sha256', pseudonymKey).update('ZZ:AB1234567').digest('base64url'));
    expect(key.equals(pseudonymKey)).toBe(false);
    expect(key).toHaveLength(32);
    expect(documentMatchKey(pseudonymKey).equals(key)).toBe(true);
  });
});

describe('alertDocumentHashes', () => {
  const body = (passports: { number: string; issuingCountry: string }[]) => ({ subject: { passports } });

  test('one hash per distinct passport of an alert; spellings of one collapse', () => {
    const hashes = alertDocumentHashes(key, 'offender-travel-alert', body([
      { number: 'AB1234567', issuingCountry: 'ZZ' },
      { number: 'ab 123 4567', issuingCountry: 'ZZ' },
      { number: 'AB1234567', issuingCountry: 'YY' },
    ]));
    expect(hashes).toEqual([documentMatchHash(key, 'ZZ', 'AB1234567'), documentMatchHash(key, 'YY', 'AB1234567')]);
  });

  test('nothing for other types, for an alert without passports, or a number with no letter or digit', () => {
    expect(alertDocumentHashes(key, 'victim-repatriation-notice', body([{ number: 'AB1234567', issuingCountry: 'ZZ' }]))).toEqual([]);
    expect(alertDocumentHashes(key, 'offender-travel-alert', body([]))).toEqual([]);
    expect(alertDocumentHashes(key, 'offender-travel-alert', {})).toEqual([]);
    expect(alertDocumentHashes(key, 'offender-travel-alert', body([{ number: '- -', issuingCountry: 'ZZ' }]))).toEqual([]);
  });
});

describe('staysOverlap', () => {
  const stay = (arrival: string, departure?: string) => {
    const c = travelColumns('offender-travel-alert', { travel: { arrivalDate: arrival, ...(departure ? { expectedDepartureDate: departure } : {}) } });
    return { arrival_at: c.arrival_at!, departure_at: c.departure_at };
  };

  test('overlapping stays, either way round', () => {
    expect(staysOverlap(stay('2026-12-10', '2026-12-15'), stay('2026-12-12', '2026-12-20'))).toBe(true);
    expect(staysOverlap(stay('2026-12-12', '2026-12-20'), stay('2026-12-10', '2026-12-15'))).toBe(true);
    expect(staysOverlap(stay('2026-12-10', '2026-12-20'), stay('2026-12-12', '2026-12-13'))).toBe(true);
  });

  test('whole days: leaving on the day the other arrives overlaps, the day before does not', () => {
    expect(staysOverlap(stay('2026-12-10', '2026-12-15'), stay('2026-12-15', '2026-12-18'))).toBe(true);
    expect(staysOverlap(stay('2026-12-10', '2026-12-14'), stay('2026-12-15', '2026-12-18'))).toBe(false);
  });

  test('without a departure date a stay is its arrival day', () => {
    expect(staysOverlap(stay('2026-12-12'), stay('2026-12-10', '2026-12-15'))).toBe(true);
    expect(staysOverlap(stay('2026-12-12'), stay('2026-12-12'))).toBe(true);
    expect(staysOverlap(stay('2026-12-12'), stay('2026-12-13'))).toBe(false);
    expect(staysOverlap(stay('2026-12-16'), stay('2026-12-10', '2026-12-15'))).toBe(false);
  });
});
