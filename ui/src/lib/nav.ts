// The main navigation, as the frame (`Shell.svelte`) draws it: a sidebar on wide screens, a bar
// along the bottom at phone width.

import type { Component } from 'svelte';

/** An icon from the one set the UI draws with (Lucide), imported one by one. */
export type NavIcon = Component<{ size?: number; 'aria-hidden'?: 'true' }>;

export interface NavItem {
  href: string;
  label: string;
  icon: NavIcon;
  /** The page shown is this item's (`aria-current="page"`). */
  current?: boolean;
  /** A number worth a glance (open tickets, unread replies); hidden when nothing counts. */
  count?: number | null;
  /** What the number means, for screen readers ("3 open"). */
  countLabel?: string;
  /** The heading of the group this item starts, on wide screens. */
  group?: string;
}

/** Counts worth showing: something there, and never more digits than fit the badge. */
export function badge(count: number | null | undefined): string | null {
  if (count == null || !Number.isFinite(count) || count <= 0) return null;
  return count > 99 ? '99+' : String(Math.floor(count));
}

export interface NavGroup {
  label?: string;
  items: NavItem[];
}

/** The items in their groups, in order: a group runs from an item naming one to the next. */
export function groups(items: NavItem[]): NavGroup[] {
  const out: NavGroup[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (!last || item.group) out.push({ label: item.group, items: [item] });
    else last.items.push(item);
  }
  return out;
}
