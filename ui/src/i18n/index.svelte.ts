// The UI's languages: message catalogs (./locales/*.json, one per language, English the
// reference) read through i18next, which also picks plural forms by the language's rules.
// `t()` reads the current language from Svelte state, so switching re-renders every visible
// string at once — no reload, nothing typed is lost. The desktop shell reads the same catalogs
// for the tray menu and notifications (src-tauri/src/i18n.rs).
import i18next from 'i18next';
import type { Language } from '../bindings';
import de from './locales/de.json';
import en from './locales/en.json';
import es from './locales/es.json';
import fr from './locales/fr.json';
import it from './locales/it.json';
import ru from './locales/ru.json';

export type { Language };

export const CATALOGS: Record<Language, typeof en> = { en, fr, de, es, it, ru };

/** The languages Bellhop speaks (crates/proto: Language), each named in itself (its catalog's
 * `app.language_name`, which the desktop's tray menu reads too). */
export const LANGUAGES: readonly { code: Language; name: string }[] = (['en', 'fr', 'de', 'es', 'it', 'ru'] as const).map(
  (code) => ({ code, name: CATALOGS[code].app.language_name }),
);

type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
type Leaf<K extends string> = K extends `${infer Base}_${PluralSuffix}` ? Base : K;
/** Every key of the English catalog ("signin.title"), plural forms folded into their base. */
export type Keys<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${Leaf<K>}` : Keys<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Keys<typeof en>;

const i18n = i18next.createInstance();
void i18n.init({
  lng: 'en',
  fallbackLng: 'en',
  resources: Object.fromEntries(Object.entries(CATALOGS).map(([code, messages]) => [code, { translation: messages }])),
  // Svelte escapes text it renders; catalogs never go through {@html}.
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
});

let current = $state<Language>('en');

/** The supported language for a BCP 47 tag ("fr-CA" → "fr"), or null. */
export function supported(tag: string | null | undefined): Language | null {
  const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((l) => l.code === primary)?.code ?? null;
}

/** The first supported language among the reader's preferences, else English. */
export function pick(tags: readonly (string | null | undefined)[]): Language {
  for (const tag of tags) {
    const found = supported(tag);
    if (found) return found;
  }
  return 'en';
}

/** The current language. */
export function language(): Language {
  return current;
}

/** Switches every visible string, date and number to `code` (unsupported tags mean English). */
export function setLanguage(code: string): Language {
  const next = supported(code) ?? 'en';
  void i18n.changeLanguage(next);
  current = next;
  if (typeof document !== 'undefined') document.documentElement.lang = next;
  return next;
}

/** A message in the current language; `count` picks the plural form. */
export function t(key: MessageKey, values?: Record<string, string | number>): string {
  // Reading `current` makes every caller in a template re-render when the language changes.
  return i18n.t(key, { lng: current, ...values });
}

/** Adds one part's own catalogs under `namespace` (the console's: the portal's bundle never
 * carries them). */
export function addCatalogs(namespace: string, catalogs: Record<Language, object>): void {
  for (const [code, messages] of Object.entries(catalogs)) i18n.addResourceBundle(code, namespace, messages, true, true);
}

/** A message from a namespace added with `addCatalogs`, in the current language. */
export function translate(namespace: string, key: string, values?: Record<string, string | number>): string {
  return i18n.t(key, { lng: current, ns: namespace, ...values });
}
