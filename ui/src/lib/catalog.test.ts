import { describe, expect, it } from 'vitest';
import type { Catalog, CatalogItem, TicketFields } from '../bindings';
import { formOf, itemOf, keepLayout, read, savedLayout, search } from './catalog';

function item(key: string, name: string, it?: string): CatalogItem {
  return {
    key,
    name: { text: name, translations: it ? { it } : {} },
    description: { text: `About ${name}` },
    icon: 'box',
    kind: 'service_request',
    form: [
      { field: 'room', required: true, help: { text: 'Where', translations: { it: 'Dove' } } },
      { field: 'gone', required: false },
    ],
    needs_approval: false,
  };
}

const mailbox = item('mail', 'Shared mailbox', 'Casella condivisa');
const catalog: Catalog = {
  categories: [
    { key: 'a', name: { text: 'Accounts' }, items: [mailbox] },
    { key: 'b', name: { text: 'Devices' }, items: [item('cafe', 'Café machine'), item('printer', 'Printer')] },
  ],
};

describe('the catalog', () => {
  it('reads the desk’s words in the reader’s language, else the desk’s own', () => {
    expect(read(mailbox.name, 'it')).toBe('Casella condivisa');
    expect(read(mailbox.name, 'de')).toBe('Shared mailbox');
  });

  it('finds items by every word, in either language, ignoring case and accents', () => {
    const keys = (c: Catalog) => c.categories.flatMap((x) => x.items.map((i) => i.key));
    expect(keys(search(catalog, 'CAFE', 'en'))).toEqual(['cafe']);
    expect(keys(search(catalog, 'casella', 'it'))).toEqual(['mail']);
    expect(keys(search(catalog, 'shared casella', 'it'))).toEqual(['mail']);
    expect(search(catalog, 'printer', 'en').categories.map((c) => c.key)).toEqual(['b']);
    expect(search(catalog, 'nothing like it', 'en').categories).toEqual([]);
    expect(search(catalog, '  ', 'en')).toBe(catalog);
  });

  it('asks an item’s fields in its order, with help, leaving out what the desk removed', () => {
    const fields: TicketFields = {
      defaults: { description: 'editable', ticket_type: 'editable', priority: 'hidden', assignee: 'read_only' },
      types: [],
      custom: [{ key: 'room', label: 'Room', kind: 'text', required: false, access: 'editable', catalog_only: true }],
    };
    const asked = formOf(mailbox, fields, 'it');
    expect(asked.map((a) => [a.field.key, a.required, a.help])).toEqual([['room', true, 'Dove']]);
    expect(itemOf(catalog, 'printer')?.name.text).toBe('Printer');
    expect(itemOf(catalog, 'nope')).toBeNull();
  });

  it('remembers tiles or a list', () => {
    const kept = new Map<string, string>();
    const storage = {
      getItem: (k: string) => kept.get(k) ?? null,
      setItem: (k: string, v: string) => void kept.set(k, v),
    } as unknown as Storage;
    expect(savedLayout(storage)).toBe('tiles');
    keepLayout(storage, 'list');
    expect(savedLayout(storage)).toBe('list');
    expect(savedLayout(null)).toBe('tiles');
  });
});
