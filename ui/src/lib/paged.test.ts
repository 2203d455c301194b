import { describe, expect, it } from 'vitest';
import { ApiFailure } from './api';
import { Paged } from './paged.svelte';

describe('Paged', () => {
  it('reads the first page, then appends the next, and starts over on a reload', async () => {
    const pages = new Map([
      ['first', { items: [1, 2], next: 'b' }],
      ['b', { items: [3], next: null }],
    ]);
    const asked: (string | undefined)[] = [];
    const list = new Paged<number>(async (cursor) => {
      asked.push(cursor);
      const page = pages.get(cursor ?? 'first');
      if (!page) throw new Error(`no page ${cursor}`);
      return page;
    });
    await list.load();
    expect(list.items).toEqual([1, 2]);
    expect(list.next).toBe('b');
    await list.load(true);
    expect(list.items).toEqual([1, 2, 3]);
    expect(list.next).toBeNull();
    await list.load();
    expect(list.items).toEqual([1, 2]);
    expect(asked).toEqual([undefined, 'b', undefined]);
  });

  it('keeps what it shows and says what went wrong', async () => {
    let fail = false;
    const list = new Paged<number>(async () => {
      if (fail) throw new ApiFailure({ code: 'unavailable', message: 'The service desk cannot be reached.' });
      return { items: [7], next: null };
    });
    await list.load();
    fail = true;
    await list.load();
    expect(list.items).toEqual([7]);
    expect(list.error).toBe('The service desk cannot be reached.');
    expect(list.loading).toBe(false);
  });
});
