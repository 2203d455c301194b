// The service catalog in the reader's language: the desk's words (translated where it wrote a
// translation), the search over them, and the form an item asks with.
import type { Catalog, CatalogItem, CustomField, FormField, Localized, TicketFields } from '../bindings';
import type { Language } from '../i18n/index.svelte';

/** The desk's words in `language`, or its own. */
export function read(words: Localized | null | undefined, language: Language): string {
  if (!words) return '';
  const translated = words.translations?.[language];
  return translated && translated.trim() ? translated : words.text;
}

/** Folds case and accents, so "cafe" finds "Café" and "ПРИНТЕР" finds "принтер". */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** The catalog's categories with only the items whose name or description holds every word of
 * `query` (in the reader's language or the desk's own); no empty category. */
export function search(catalog: Catalog, query: string, language: Language): Catalog {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return catalog;
  const matches = (item: CatalogItem) => {
    const text = fold(
      [read(item.name, language), read(item.description, language), item.name.text, item.description.text].join(' '),
    );
    return words.every((w) => text.includes(w));
  };
  return {
    categories: catalog.categories
      .map((c) => ({ ...c, items: c.items.filter(matches) }))
      .filter((c) => c.items.length > 0),
  };
}

/** One field of an item's form with its definition; fields the desk has since removed are left
 * out. */
export interface AskedField {
  field: CustomField;
  required: boolean;
  help: string;
}

export function formOf(item: CatalogItem, fields: TicketFields | null, language: Language): AskedField[] {
  const byKey = new Map((fields?.custom ?? []).map((f) => [f.key, f]));
  return item.form.flatMap((f: FormField) => {
    const field = byKey.get(f.field);
    return field ? [{ field, required: f.required, help: read(f.help, language) }] : [];
  });
}

/** The item `key`, if the catalog offers it. */
export function itemOf(catalog: Catalog | null, key: string | null | undefined): CatalogItem | null {
  if (!catalog || !key) return null;
  for (const c of catalog.categories) for (const i of c.items) if (i.key === key) return i;
  return null;
}

export type Layout = 'tiles' | 'list';
const LAYOUT_KEY = 'bellhop.catalog.layout';

/** How the reader last chose to see the catalog (tiles unless they chose a list). */
export function savedLayout(storage: Storage | null): Layout {
  try {
    return storage?.getItem(LAYOUT_KEY) === 'list' ? 'list' : 'tiles';
  } catch {
    return 'tiles';
  }
}

export function keepLayout(storage: Storage | null, layout: Layout): void {
  try {
    storage?.setItem(LAYOUT_KEY, layout);
  } catch {
    // A browser that keeps nothing still shows the catalog; the choice lasts this visit.
  }
}
