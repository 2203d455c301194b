import { describe, expect, it } from 'vitest';
import { BrowserDrafts, hasContent } from './drafts';

/** A Storage in memory, as localStorage behaves. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, String(v)),
  };
}

describe('browser drafts', () => {
  it('keeps, edits in place and discards drafts per user, newest first', async () => {
    const storage = memoryStorage();
    const bob = new BrowserDrafts(storage, 'bob');
    const first = bob.save(null, { title: 'Printer', description: '' });
    await new Promise((r) => setTimeout(r, 2));
    bob.save(null, { title: 'VPN', description: 'drops', ticket_type: 'incident', custom_fields: { asset_tag: 'A-1' } });
    await new Promise((r) => setTimeout(r, 2));
    bob.save(first.id, { title: 'Printer jams', description: 'Tray 2' });
    expect(bob.list().map((d) => d.title)).toEqual(['Printer jams', 'VPN']);
    expect(bob.list()[1]).toMatchObject({ ticket_type: 'incident', custom_fields: { asset_tag: 'A-1' } });
    // Another user of the same browser sees none of them; a new page load sees them all.
    expect(new BrowserDrafts(storage, 'alice').list()).toEqual([]);
    expect(new BrowserDrafts(storage, 'bob').get(first.id)?.description).toBe('Tray 2');
    bob.discard(first.id);
    expect(bob.list().map((d) => d.title)).toEqual(['VPN']);
  });

  it('survives a corrupt entry without throwing', () => {
    const storage = memoryStorage();
    storage.setItem('bellhop.drafts.bob', '{not json');
    expect(new BrowserDrafts(storage, 'bob').list()).toEqual([]);
  });

  it('knows an empty form from one worth keeping', () => {
    expect(hasContent({ title: ' ', description: '' })).toBe(false);
    expect(hasContent({ title: '', description: '', custom_fields: { room: 'B-2' } })).toBe(true);
  });
});
