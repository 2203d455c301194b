import { describe, expect, it } from 'vitest';
import { fileSize, STATUS_LABEL, ticketNumber, when } from './format';

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
});
