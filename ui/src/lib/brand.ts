// The desk's brand on a page: its accent for each theme (as the server derived and checked
// them), its name in the browser tab. Bellhop's own until the brand is read, and when it fails.

import type { Brand } from '../bindings';

const PROPS = ['--brand-light', '--brand-light-text', '--brand-dark', '--brand-dark-text'] as const;

/** A `#rrggbb` colour, the only form the server sends: anything else is not written into CSS. */
const HEX = /^#[0-9a-f]{6}$/;

/** Puts `brand`'s accent on `root` (see `:root[data-brand]` in app.css) and names the tab. */
export function applyBrand(brand: Brand, root: HTMLElement, doc: { title: string }, suffix = ''): void {
  const a = brand.accent;
  const colours = a ? [a.light, a.light_text, a.dark, a.dark_text] : [];
  if (colours.length === PROPS.length && colours.every((c) => HEX.test(c))) {
    PROPS.forEach((prop, i) => root.style.setProperty(prop, colours[i] ?? null));
    root.dataset.brand = '';
  } else {
    PROPS.forEach((prop) => root.style.removeProperty(prop));
    delete root.dataset.brand;
  }
  doc.title = suffix ? `${brand.name} ${suffix}` : brand.name;
}

/** Where the desk's logo comes from, when it is one the server serves (or, in the desktop app, the
 * copy the agent keeps as a `data:` URL of a PNG or SVG); anything else is not shown. */
export function logoSrc(brand: Brand | null): string | null {
  const logo = brand?.logo;
  if (!logo) return null;
  return /^\/api\/v1\/brand\/logo\/[0-9a-f]{64}$/.test(logo) || /^data:image\/(png|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(logo) ? logo : null;
}

/** Whether the desk gave a way to reach it (the contact block shows only then). */
export function hasContact(brand: Brand | null): boolean {
  return Boolean(brand && (brand.phone || brand.email || brand.links.length > 0));
}

/** The desk's phone as a `tel:` address: its digits and a leading `+` ("+1 (555) 010-0100" is
 * `tel:+15550100100`), as `Brand::tel_url` makes it for the tray and the letters. */
export function telUrl(phone: string): string {
  const trimmed = phone.trim();
  return `tel:${trimmed.startsWith('+') ? '+' : ''}${trimmed.replace(/\D/g, '')}`;
}

/** A `mailto:` address with each side of the `@` percent-encoded: a character the address
 * allows but a URL gives meaning to (`?`, `&`, `%`) stays part of the address. */
export function mailtoUrl(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return `mailto:${encodeURIComponent(email)}`;
  return `mailto:${encodeURIComponent(email.slice(0, at))}@${encodeURIComponent(email.slice(at + 1))}`;
}

/** The newest read asked of `wearBrand`: only its answer is worn. */
let newest = 0;

/** Reads the caller's brand and wears it on this page; null (what is worn stays) if it cannot be
 * read, or if a newer read was asked meanwhile: a read from before signing in that answers late
 * must not cover the organisation's own brand read after it. */
export async function wearBrand(
  read: () => Promise<Brand>,
  suffix = '',
  page?: { root: HTMLElement; doc: { title: string } },
): Promise<Brand | null> {
  const mine = ++newest;
  try {
    const brand = await read();
    if (mine !== newest) return null;
    const { root, doc } = page ?? { root: document.documentElement, doc: document };
    applyBrand(brand, root, doc, suffix);
    return brand;
  } catch {
    return null;
  }
}
