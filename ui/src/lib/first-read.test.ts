import { describe, expect, it } from 'vitest';
import { ApiFailure } from './api';
import { FirstRead, failureText } from './first-read.svelte';

describe('FirstRead', () => {
  it('keeps a first failure for the page, and clears it when tried again', async () => {
    const first = new FirstRead();
    const later: string[] = [];
    await first.run(() => Promise.reject(new Error('offline')), (m) => later.push(m));
    expect(first.done).toBe(false);
    expect(first.failed).toBe('Error: offline');
    let seen: string | null = 'unset';
    await first.run(async () => {
      seen = first.failed;
    }, (m) => later.push(m));
    expect(seen).toBeNull();
    expect(first.done).toBe(true);
    expect(first.failed).toBeNull();
    expect(later).toEqual([]);
  });

  it('sends a failure after a successful read to the error line, keeping the page', async () => {
    const first = new FirstRead();
    const later: string[] = [];
    await first.run(async () => undefined, (m) => later.push(m));
    await first.run(() => Promise.reject(new ApiFailure({ code: 'unavailable', message: 'The server is busy.' })), (m) => later.push(m));
    expect(first.done).toBe(true);
    expect(first.failed).toBeNull();
    expect(later).toEqual(['The server is busy.']);
  });

  it('words an API failure with its message', () => {
    expect(failureText(new ApiFailure({ code: 'not_found', message: 'No such release.' }))).toBe('No such release.');
    expect(failureText('plain')).toBe('plain');
  });
});
