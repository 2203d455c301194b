import { describe, expect, it } from 'vitest';
import { badge, groups, type NavItem } from './nav';
import { ICON } from './icons';

const item = (label: string, group?: string): NavItem => ({ href: `#/${label}`, label, icon: ICON.queue, group });

describe('the navigation', () => {
  it('shows a count only when something counts, and never more digits than fit', () => {
    expect(badge(undefined)).toBeNull();
    expect(badge(null)).toBeNull();
    expect(badge(0)).toBeNull();
    expect(badge(-2)).toBeNull();
    expect(badge(Number.NaN)).toBeNull();
    expect(badge(1)).toBe('1');
    expect(badge(99)).toBe('99');
    expect(badge(100)).toBe('99+');
  });

  it('groups items from one naming a group to the next, keeping their order', () => {
    const found = groups([item('queue', 'Work'), item('chats'), item('orgs', 'Customers'), item('devices'), item('audit', 'Admin')]);
    expect(found.map((g) => [g.label, g.items.map((i) => i.label)])).toEqual([
      ['Work', ['queue', 'chats']],
      ['Customers', ['orgs', 'devices']],
      ['Admin', ['audit']],
    ]);
  });

  it('keeps items before any group in a group without a heading', () => {
    const found = groups([item('tickets'), item('new'), item('kb', 'Help')]);
    expect(found.map((g) => [g.label, g.items.length])).toEqual([
      [undefined, 2],
      ['Help', 1],
    ]);
    expect(groups([])).toEqual([]);
  });
});
