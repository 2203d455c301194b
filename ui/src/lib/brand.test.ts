import { describe, expect, it } from 'vitest';
import type { Brand } from '../bindings';
import { applyBrand, hasContact, logoSrc, mailtoUrl, telUrl, wearBrand } from './brand';

const acme: Brand = {
  name: 'Acme IT',
  accent: { light: '#8a1538', light_text: '#ffffff', dark: '#e8a3b5', dark_text: '#151619' },
  phone: '+1 555 010 0100',
  email: null,
  links: [],
  tray_icon: true,
  logo: null,
};

/** Just what applyBrand touches on the root element. */
function root() {
  const props = new Map<string, string>();
  return {
    props,
    dataset: {} as Record<string, string>,
    style: {
      setProperty: (k: string, v: string | null) => void props.set(k, v ?? ''),
      removeProperty: (k: string) => void props.delete(k),
    },
  };
}

describe('the brand on a page', () => {
  it('sets the accent for both themes and names the tab', () => {
    const el = root();
    const doc = { title: 'Bellhop' };
    applyBrand(acme, el as unknown as HTMLElement, doc, 'console');
    expect(Object.fromEntries(el.props)).toEqual({
      '--brand-light': '#8a1538',
      '--brand-light-text': '#ffffff',
      '--brand-dark': '#e8a3b5',
      '--brand-dark-text': '#151619',
    });
    expect('brand' in el.dataset).toBe(true);
    expect(doc.title).toBe('Acme IT console');
  });

  it('goes back to Bellhop’s colours without an accent, and never writes anything but a colour into CSS', () => {
    const el = root();
    const doc = { title: '' };
    applyBrand(acme, el as unknown as HTMLElement, doc);
    applyBrand({ ...acme, accent: null }, el as unknown as HTMLElement, doc);
    expect(el.props.size).toBe(0);
    expect('brand' in el.dataset).toBe(false);
    const sneaky = { ...acme, accent: { ...acme.accent!, dark: 'red; background: url(x)' } };
    applyBrand(sneaky, el as unknown as HTMLElement, doc);
    expect(el.props.size).toBe(0);
    expect(doc.title).toBe('Acme IT');
  });

  it('shows a contact block only when there is a way to reach the desk', () => {
    expect(hasContact(null)).toBe(false);
    expect(hasContact({ ...acme, phone: null })).toBe(false);
    expect(hasContact(acme)).toBe(true);
    expect(hasContact({ ...acme, phone: null, links: [{ label: 'Status', url: 'https://status.acme.example/' }] })).toBe(true);
  });

  it('shows only a logo the server serves or the agent keeps as a picture', () => {
    const sha = 'ab'.repeat(32);
    expect(logoSrc(null)).toBe(null);
    expect(logoSrc(acme)).toBe(null);
    expect(logoSrc({ ...acme, logo: `/api/v1/brand/logo/${sha}` })).toBe(`/api/v1/brand/logo/${sha}`);
    expect(logoSrc({ ...acme, logo: 'data:image/png;base64,iVBORw0KGgo=' })).toBe('data:image/png;base64,iVBORw0KGgo=');
    for (const bad of ['https://tracker.example/logo.png', 'javascript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', `/api/v1/brand/logo/${sha}?x`]) {
      expect(logoSrc({ ...acme, logo: bad })).toBe(null);
    }
  });
});

describe('ways to reach the desk', () => {
  it('calls the digits and a leading plus, as the tray and the letters do', () => {
    expect(telUrl('+1 (555) 010-0100')).toBe('tel:+15550100100');
    expect(telUrl(' 0800 123 4567 ')).toBe('tel:08001234567');
    expect(telUrl('555+1')).toBe('tel:5551');
  });

  it('writes to the whole address, whatever a URL would make of its characters', () => {
    expect(mailtoUrl('help@acme.example')).toBe('mailto:help@acme.example');
    expect(mailtoUrl('it+desk?subject=x&body=y@acme.example')).toBe('mailto:it%2Bdesk%3Fsubject%3Dx%26body%3Dy@acme.example');
  });
});

describe('wearing the brand read from the server', () => {
  it('wears only the newest read: an older one answering late changes nothing', async () => {
    const el = root();
    const doc = { title: 'Bellhop' };
    const page = { root: el as unknown as HTMLElement, doc };
    let answerSignedOut: (b: Brand) => void = () => undefined;
    const signedOut = wearBrand(() => new Promise<Brand>((ok) => (answerSignedOut = ok)), '', page);
    const globex = { ...acme, name: 'Globex Support' };
    expect(await wearBrand(() => Promise.resolve(globex), '', page)).toEqual(globex);
    expect(doc.title).toBe('Globex Support');
    answerSignedOut(acme);
    expect(await signedOut).toBeNull();
    expect(doc.title).toBe('Globex Support');
  });

  it('leaves the page as it is when the brand cannot be read', async () => {
    const doc = { title: 'Bellhop' };
    const page = { root: root() as unknown as HTMLElement, doc };
    expect(await wearBrand(() => Promise.reject(new Error('offline')), '', page)).toBeNull();
    expect(doc.title).toBe('Bellhop');
  });
});
