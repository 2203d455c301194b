import { describe, expect, it } from 'vitest';
import { href, parseConsoleRoute, parseRoute } from './route';

describe('routes', () => {
  it('round-trips every route through its href', () => {
    const id = '0190f0e2-7c1a-7b3e-9a2b-1234567890ab';
    const token = 'bhr_abcdefghijklmnop-_0123';
    for (const r of [
      { name: 'tickets' },
      { name: 'tickets', status: 'awaiting_reply' },
      { name: 'tickets', status: 'open' },
      { name: 'ticket', id },
      { name: 'new' },
      { name: 'kb' },
      { name: 'article', id },
      { name: 'outbox' },
      { name: 'settings' },
      { name: 'security' },
      { name: 'self-service' },
      { name: 'assistant' },
      { name: 'forgot' },
      { name: 'sign-up' },
      { name: 'login' },
      { name: 'login', companyError: 'wrong_tenant' },
      { name: 'company-sign-in', ticket: 'bht_abcdefghijklmnop-_0123' },
      { name: 'view-as', ticket: 'bhw_abcdefghijklmnop-_0123' },
      { name: 'reset', token },
      { name: 'catalog' },
      { name: 'catalog', item: 'new-laptop' },
    ] as const) {
      expect(parseRoute(href(r))).toEqual(r);
    }
  });

  it('sends unknown or malformed paths to the ticket list', () => {
    expect(parseRoute('')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/tickets/<script>')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/nowhere')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/tickets?status=closed')).toEqual({ name: 'tickets' });
    expect(parseRoute('#/reset-password?token=<img>')).toEqual({ name: 'forgot' });
    expect(parseRoute('#/catalog/<b>')).toEqual({ name: 'catalog' });
    expect(parseRoute('#/login?company_error=<b>')).toEqual({ name: 'login' });
    expect(parseRoute('#/company-sign-in?ticket=bhs_session')).toEqual({ name: 'login', companyError: 'expired' });
  });
});

describe('console routes', () => {
  it('reads each view and the search words', () => {
    expect(parseConsoleRoute('#/tickets/0190f3a2-7b1c-7cde-8f00-0123456789ab')).toEqual({
      name: 'ticket',
      id: '0190f3a2-7b1c-7cde-8f00-0123456789ab',
    });
    expect(parseConsoleRoute('#/users/0190f3a2-7b1c-7cde-8f00-0123456789ab')).toEqual({
      name: 'user',
      id: '0190f3a2-7b1c-7cde-8f00-0123456789ab',
    });
    expect(parseConsoleRoute('#/devices')).toEqual({ name: 'devices' });
    expect(parseConsoleRoute('#/queue')).toEqual({ name: 'queue' });
    expect(parseConsoleRoute('#/queue/mine')).toEqual({ name: 'queue', view: 'mine' });
    expect(parseConsoleRoute('#/queue/unassigned')).toEqual({ name: 'queue', view: 'unassigned' });
    expect(parseConsoleRoute('#/queue/awaiting')).toEqual({ name: 'queue', view: 'awaiting' });
    expect(parseConsoleRoute('#/queue/everything')).toEqual({ name: 'queue' });
    expect(parseConsoleRoute('#/users/new')).toEqual({ name: 'new-user' });
    expect(parseConsoleRoute('#/tickets/new')).toEqual({ name: 'new-ticket' });
    expect(parseConsoleRoute('#/orgs')).toEqual({ name: 'orgs' });
    expect(parseConsoleRoute('#/search?q=%2B1%20555')).toEqual({ name: 'search', q: '+1 555' });
    expect(parseConsoleRoute('#/audit')).toEqual({ name: 'audit' });
    expect(parseConsoleRoute('#/software')).toEqual({ name: 'software' });
    expect(parseConsoleRoute('#/releases')).toEqual({ name: 'releases' });
    expect(parseConsoleRoute('#/settings')).toEqual({ name: 'settings' });
    expect(parseConsoleRoute('#/fields')).toEqual({ name: 'fields' });
    expect(parseConsoleRoute('#/kb')).toEqual({ name: 'kb' });
    expect(parseConsoleRoute('#/kb/new')).toEqual({ name: 'article', id: null });
    expect(parseConsoleRoute('#/kb/0190f3a2-7b1c-7cde-8f00-0123456789ab')).toEqual({
      name: 'article',
      id: '0190f3a2-7b1c-7cde-8f00-0123456789ab',
    });
  });

  it('falls back to the queue for anything else', () => {
    expect(parseConsoleRoute('')).toEqual({ name: 'queue' });
    expect(parseConsoleRoute('#/tickets/not-an-id')).toEqual({ name: 'queue' });
    expect(parseConsoleRoute('#/nowhere')).toEqual({ name: 'queue' });
  });
});

describe('editing a draft', () => {
  it('carries the draft id, and only a well-formed one', () => {
    const id = '0190a8f0-1234-7000-8000-00000000abcd';
    expect(parseRoute(`#/new?draft=${id}`)).toEqual({ name: 'new', draft: id });
    expect(href({ name: 'new', draft: id })).toBe(`#/new?draft=${id}`);
    expect(parseRoute('#/new?draft=../../x')).toEqual({ name: 'new' });
    expect(href({ name: 'new' })).toBe('#/new');
  });
});
