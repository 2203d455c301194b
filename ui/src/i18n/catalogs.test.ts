// Every catalog says everything English says: the same keys, each plural in every form its
// language's rules use, and the same {{placeholders}}.
import { describe, expect, it } from 'vitest';
import { CONSOLE_CATALOGS, ct, deskStatusLabel } from './console';
import { CATALOGS, LANGUAGES, pick, setLanguage, supported, t, type Language } from './index.svelte';

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** "a.b.c" → text, for every string in a nested catalog. */
function flatten(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else if (value && typeof value === 'object') for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
    else throw new Error(`${prefix}${key} is neither text nor a group`);
  }
  return out;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

/** The keys a language must have: plural bases expanded into the forms its rules use. */
function required(english: Map<string, string>, code: Language): Set<string> {
  const forms = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
  const keys = new Set<string>();
  for (const key of english.keys()) {
    if (PLURAL.test(key)) for (const form of forms) keys.add(key.replace(PLURAL, `_${form}`));
    else keys.add(key);
  }
  return keys;
}

// The portal's catalogs, and the console's (kept apart so the portal's bundle never carries them).
const SETS = { portal: CATALOGS, console: CONSOLE_CATALOGS } as const;

for (const [part, catalogs] of Object.entries(SETS)) {
  const english = flatten(catalogs.en);

  describe(`${part} message catalogs`, () => {
    it('English has text for every key', () => {
      expect(english.size).toBeGreaterThan(100);
      for (const [key, text] of english) expect(text.trim(), key).not.toBe('');
    });

    it('every placeholder is written {{name}}, in every language', () => {
      // A stray brace ("{{{number}}}", "{number}") shows as text instead of the value.
      for (const { code } of LANGUAGES) {
        for (const [key, text] of flatten(catalogs[code])) {
          const bare = text.replace(/\{\{\s*\w+\s*\}\}/g, '');
          expect(/[{}]/.test(bare), `${code}: ${key}: ${text}`).toBe(false);
        }
      }
    });

    for (const { code } of LANGUAGES.filter((l) => l.code !== 'en')) {
      it(`${code} has every key English has, and nothing else`, () => {
        const catalog = flatten(catalogs[code]);
        const missing = [...required(english, code)].filter((k) => !catalog.has(k));
        expect(missing, `${code} lacks`).toEqual([]);
        const extra = [...catalog.keys()].filter((k) => !english.has(k) && !(PLURAL.test(k) && english.has(k.replace(PLURAL, '_other'))));
        expect(extra, `${code} has keys English lacks`).toEqual([]);
      });

      it(`${code} keeps English's placeholders`, () => {
        const catalog = flatten(catalogs[code]);
        for (const [key, text] of catalog) {
          const source = english.get(key) ?? english.get(key.replace(PLURAL, '_other')) ?? '';
          expect(placeholders(text), `${code}: ${key}`).toEqual(placeholders(source));
          expect(text.trim(), `${code}: ${key}`).not.toBe('');
        }
      });

      it(`${code} is translated, not English copied`, () => {
        const catalog = flatten(catalogs[code]);
        const same = [...catalog].filter(([key, text]) => /[a-z]{3}/i.test(text) && english.get(key) === text).map(([key]) => key);
        expect(same.length, `${code} still English: ${same.join(', ')}`).toBeLessThan(english.size / 10);
      });
    }
  });
}

describe('choosing and switching the language', () => {
  it('matches tags by their language', () => {
    expect(supported('fr-CA')).toBe('fr');
    expect(supported('pt-BR')).toBeNull();
    expect(pick(['pt-BR', 'it_IT', 'en'])).toBe('it');
    expect(pick([null, 'xx'])).toBe('en');
  });

  it('switches the text and picks plural forms by the language', () => {
    setLanguage('it');
    expect(t('list.title')).toBe('Le mie richieste');
    setLanguage('ru');
    expect(t('redact.count', { count: 1 })).toMatch(/^Скрыта 1 область/);
    expect(t('redact.count', { count: 3 })).toMatch(/^Скрыто 3 области/);
    expect(t('redact.count', { count: 5 })).toMatch(/^Скрыто 5 областей/);
    setLanguage('xx');
    expect(t('list.title')).toBe('My requests');
    expect(t('redact.count', { count: 2 })).toMatch(/^2 areas are hidden/);
  });

  it('switches the console’s words with the portal’s', () => {
    setLanguage('de');
    expect(ct('nav.queue')).toBe('Warteschlange');
    expect(deskStatusLabel('awaiting_reply')).toBe('Wartet auf Kunden');
    setLanguage('ru');
    expect(ct('devices.activated', { count: 1 })).toBe('1 устройство активировано.');
    expect(ct('devices.activated', { count: 3 })).toBe('3 устройства активированы.');
    expect(ct('devices.activated', { count: 5 })).toBe('5 устройств активировано.');
    setLanguage('en');
    expect(ct('nav.queue')).toBe('Queue');
    expect(ct('devices.activated', { count: 2 })).toBe('2 devices activated.');
  });
});
