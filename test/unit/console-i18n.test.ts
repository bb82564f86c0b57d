/**
 * The console's catalogues: every language has every key of every other, every error code has a
 * text in every language, and every key the console's code asks for exists.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE } from '../../services/core/src/errors/catalogue.ts';

const ROOT = fileURLToPath(new URL('../../services/console/src/', import.meta.url));
const I18N = join(ROOT, 'i18n');
const LANGUAGES = ['en', 'lo', 'th', 'zh-Hans'];
const AREAS = readdirSync(I18N).filter((a) => statSync(join(I18N, a)).isDirectory());

function catalogue(area: string, lang: string): Record<string, string> {
  return JSON.parse(readFileSync(join(I18N, area, `${lang}.json`), 'utf8')) as Record<string, string>;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('console catalogues', () => {
  it.each(AREAS)('%s: the four languages have the same keys, each a non-empty text', (area) => {
    const keys = LANGUAGES.map((l) => Object.keys(catalogue(area, l)).sort());
    const all = [...new Set(keys.flat())].sort();
    LANGUAGES.forEach((lang, i) => {
      expect({ lang, missing: all.filter((k) => !keys[i]!.includes(k)) }).toEqual({ lang, missing: [] });
      for (const [k, v] of Object.entries(catalogue(area, lang))) expect({ lang, k, ok: typeof v === 'string' && v.trim().length > 0 }).toEqual({ lang, k, ok: true });
    });
  });

  it('keys are unique across areas (one area owns each key)', () => {
    const seen = new Map<string, string>();
    for (const area of AREAS) for (const k of Object.keys(catalogue(area, 'en'))) {
      expect({ k, alsoIn: seen.get(k) }).toEqual({ k, alsoIn: undefined });
      seen.set(k, area);
    }
  });

  it('every error code has a text in every language', () => {
    for (const lang of LANGUAGES) {
      const problems = catalogue('problems', lang);
      const missing = Object.keys(ERROR_CATALOGUE).filter((code) => !problems[`problem.${code}`]);
      expect({ lang, missing }).toEqual({ lang, missing: [] });
    }
  });

  it('Lao, Thai and Chinese texts are translations, not English copies', () => {
    for (const area of AREAS) {
      const en = catalogue(area, 'en');
      for (const lang of ['lo', 'th', 'zh-Hans']) {
        const other = catalogue(area, lang);
        // Texts made only of placeholders, codes or names (INTERPOL, "{user} ({endpoint})") may be equal.
        const copied = Object.keys(en).filter((k) => other[k] === en[k] && /[a-z]{4,}/.test(en[k]!.replace(/\{\w+\}/g, '').replace(/INTERPOL|EdDSA|JWS|JWE|Kafka|base64url|SHA-256|Ed25519|CSV|JSON|UUID/g, '')));
        expect({ area, lang, copied }).toEqual({ area, lang, copied: [] });
      }
    }
  });

  it('every key the console code names literally exists', () => {
    const en = Object.assign({}, ...AREAS.map((a) => catalogue(a, 'en'))) as Record<string, string>;
    const missing: string[] = [];
    for (const file of sources(ROOT)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-z][\w.-]*)'/g)) if (!(m[1]! in en)) missing.push(`${file.slice(ROOT.length)}: ${m[1]}`);
      for (const m of text.matchAll(/\bnav: '([a-z][\w.-]*)'/g)) if (!(m[1]! in en)) missing.push(`${file.slice(ROOT.length)}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });
});
