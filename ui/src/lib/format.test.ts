import { describe, expect, it } from 'vitest';
import { STATUS_LABEL, ticketNumber, when } from './format';

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
});
