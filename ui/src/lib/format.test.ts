import { describe, expect, it } from 'vitest';
import { duration, fileSize, online, STATUS_LABEL, ticketNumber, when } from './format';

describe('format', () => {
  it('labels every ticket status in words', () => {
    expect(Object.values(STATUS_LABEL).every((l) => l.length > 0)).toBe(true);
    expect(STATUS_LABEL.awaiting_reply).toBe('Awaiting your reply');
  });

  it('formats numbers and dates, and leaves a bad date as it came', () => {
    expect(ticketNumber(1042)).toBe('#1042');
    expect(when('2026-01-02T03:04:05Z', 'en-GB')).toMatch(/2026/);
    expect(when('not a date')).toBe('not a date');
  });

  it('says file sizes in the reader’s units', () => {
    expect(fileSize(512, 'en')).toBe('512 byte');
    expect(fileSize(245_300, 'en')).toBe('245.3 kB');
    expect(fileSize(3_400_000, 'en')).toBe('3.4 MB');
  });

  it('says how long in the largest two units', () => {
    expect(duration(7 * 60 + 5)).toBe('7 min');
    expect(duration(5 * 3600 + 12 * 60)).toBe('5 h 12 min');
    expect(duration(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
  });

  it('counts a device seen in the last two and a half minutes as online', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(online('2026-11-22T09:58:00Z', now)).toBe(true);
    expect(online('2026-11-22T09:57:00Z', now)).toBe(false);
    expect(online(null, now)).toBe(false);
  });
});
