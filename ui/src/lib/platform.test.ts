import { describe, expect, it } from 'vitest';
import { markLinux } from './platform';

describe('markLinux', () => {
  const marked = (userAgent: string) => {
    const root: { dataset: DOMStringMap } = { dataset: {} };
    markLinux(root, userAgent);
    return root.dataset.os;
  };

  it('marks Linux desktops only', () => {
    expect(marked('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15')).toBe('linux');
    expect(marked('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36')).toBeUndefined();
    expect(marked('Mozilla/5.0 (Windows NT 10.0; Win64; x64)')).toBeUndefined();
  });
});
