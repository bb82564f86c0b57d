/**
 * Possible duplicates among received offender alerts: alerts from different senders about the same
 * travel document (a passport: issuing country and number) and overlapping travel are linked at
 * the receiver, never merged. Documents are compared by a keyed hash of their normalised form, so
 * the store can find matches without holding any passport number in clear outside the encrypted
 * record itself; without the endpoint's secret the hashes cannot be tested against a guessed number.
 */
import { createHmac, hkdfSync } from 'node:crypto';

/**
 * HKDF `info` of the matching key: derived from the endpoint's pseudonym key, under a label of its
 * own, so a document hash is never comparable with an officer pseudonym made from the same secret.
 */
const MATCH_KEY_LABEL = 'mekong-exchange travel-document match v1';

const DAY_MS = 86_400_000;

/** The key document hashes are made under, derived from the endpoint's pseudonym key. */
export function documentMatchKey(pseudonymKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', pseudonymKey, Buffer.alloc(0), MATCH_KEY_LABEL, 32));
}

/**
 * A document number as matched: compatibility-normalised (NFKC, so full-width digits and letters
 * become ASCII), upper-cased, and stripped of everything but A-Z and 0-9 (spaces, hyphens, dots,
 * slashes, MRZ `<` fillers). Letters and digits are never conflated (O is not 0): a hint must not
 * link two people because one number was misread.
 */
export function normaliseDocumentNumber(number: string): string {
  return number.normalize('NFKC').toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * The match hash of one travel document: HMAC-SHA256 under {@link documentMatchKey} of
 * `<ISSUING COUNTRY>:<normalised number>`, base64url. The country is part of it: the same number
 * issued by two countries is two documents.
 */
export function documentMatchHash(key: Buffer, issuingCountry: string, number: string): string {
  return createHmac('sha256', key).update(`${issuingCountry.trim().toUpperCase()}:${normaliseDocumentNumber(number)}`).digest('base64url');
}

/** The distinct match hashes of an alert's passports (none for any other type, or a number that normalises to nothing). */
export function alertDocumentHashes(key: Buffer, type: string, body: unknown): string[] {
  if (type !== 'offender-travel-alert') return [];
  const passports = (body as { subject?: { passports?: { number?: unknown; issuingCountry?: unknown }[] } } | undefined)?.subject?.passports ?? [];
  const hashes = new Set<string>();
  for (const p of passports) {
    if (typeof p.number !== 'string' || typeof p.issuingCountry !== 'string' || normaliseDocumentNumber(p.number) === '') continue;
    hashes.add(documentMatchHash(key, p.issuingCountry, p.number));
  }
  return [...hashes];
}

/**
 * Whether two alerts' stays overlap. Each stay runs from the start of its arrival day to the end
 * of its expected departure day (the `arrival_at`/`departure_at` columns, lifecycle.ts travelWindow);
 * an alert without a departure date is taken as its arrival day only, since nothing more is known
 * and an open-ended stay would link every later trip of the same person.
 */
export function staysOverlap(a: { arrival_at: number; departure_at: number | null }, b: { arrival_at: number; departure_at: number | null }): boolean {
  const end = (s: { arrival_at: number; departure_at: number | null }): number => s.departure_at ?? s.arrival_at + DAY_MS;
  return a.arrival_at < end(b) && b.arrival_at < end(a);
}
