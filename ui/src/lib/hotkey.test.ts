import { describe, expect, it } from 'vitest';
import { acceleratorOf } from './hotkey';

const press = (code: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) =>
  acceleratorOf({ code, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods });

describe('acceleratorOf', () => {
  it('spells modifiers first, then the key', () => {
    expect(press('F11', { ctrlKey: true })).toBe('Ctrl+F11');
    expect(press('KeyH', { ctrlKey: true, shiftKey: true })).toBe('Ctrl+Shift+H');
    expect(press('Digit5', { altKey: true, metaKey: true })).toBe('Alt+Super+5');
    expect(press('Space', { ctrlKey: true })).toBe('Ctrl+Space');
  });

  it('waits while only modifiers are down', () => {
    expect(press('ControlLeft', { ctrlKey: true })).toBeNull();
    expect(press('ShiftRight', { shiftKey: true })).toBeNull();
  });
});
