import { describe, expect, it } from 'vitest';
import { setLanguage } from '../i18n/index.svelte';
import { duration, fileSize, firstName, online, statusLabel, TICKET_STATUSES, ticketNumber, when } from './format';

describe('format', () => {
  it('labels every ticket status in words', () => {
    setLanguage('en');
    expect(TICKET_STATUSES.every((s) => statusLabel(s).length > 0)).toBe(true);
    expect(statusLabel('awaiting_reply')).toBe('Awaiting your reply');
    setLanguage('de');
    expect(statusLabel('awaiting_reply')).toBe('Wartet auf Ihre Antwort');
    setLanguage('en');
  });

  it('formats numbers and dates, and leaves a bad date as it came', () => {
    expect(ticketNumber(1042)).toBe('#1042');
    expect(when('2026-01-02T03:04:05Z', 'en-GB')).toMatch(/2026/);
    expect(when('not a date')).toBe('not a date');
    // Dates follow the chosen language.
    setLanguage('fr');
    expect(when('2026-03-02T12:00:00Z')).toMatch(/mars/);
    setLanguage('en');
    expect(when('2026-03-02T12:00:00Z')).toMatch(/Mar/);
  });

  it('says file sizes in the reader’s units', () => {
    expect(fileSize(512, 'en')).toBe('512 byte');
    expect(fileSize(245_300, 'en')).toBe('245.3 kB');
    expect(fileSize(3_400_000, 'en')).toBe('3.4 MB');
  });

  it('says how long in the largest two units', () => {
    expect(duration(7 * 60 + 5, 'en')).toBe('7 min');
    expect(duration(5 * 3600 + 12 * 60, 'en')).toBe('5 hr 12 min');
    expect(duration(3 * 86_400 + 4 * 3600 + 59, 'en')).toBe('3 days 4 hr');
    expect(duration(3 * 86_400 + 4 * 3600 + 59, 'ru')).toBe('3 дн. 4 ч');
  });

  it('counts a device seen in the last two and a half minutes as online', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(online('2026-11-22T09:58:00Z', now)).toBe(true);
    expect(online('2026-11-22T09:57:00Z', now)).toBe(false);
    expect(online(null, now)).toBe(false);
  });

  it('greets a person by their first name', () => {
    expect(firstName('Bob Baker')).toBe('Bob');
    expect(firstName('  Ada  ')).toBe('Ada');
    expect(firstName('Мария Иванова')).toBe('Мария');
  });
});
