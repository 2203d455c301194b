import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './route';

describe('routes', () => {
  it('round-trips every route through its href', () => {
    const id = '0190f0e2-7c1a-7b3e-9a2b-1234567890ab';
    const token = 'bhr_abcdefghijklmnop-_0123';
    for (const r of [
      { name: 'tickets' },
      { name: 'ticket', id },
      { name: 'new' },
      { name: 'outbox' },
      { name: 'settings' },
      { name: 'forgot' },
      { name: 'reset', token },
    ] as const) {
      expect(parseRoute(href(r))).toEqual(r);
    }
  });

  it('sends unknown or malformed paths to the ticket list', () => {
    expect(parseRoute('')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/tickets/<script>')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/nowhere')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/reset-password?token=<img>')).toEqual({ name: 'forgot' });
  });
});
