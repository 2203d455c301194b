// Shortcuts as the desktop's global-shortcut registry spells them ("Ctrl+Shift+F11").

const MODIFIER_CODES = new Set(['ControlLeft', 'ControlRight', 'AltLeft', 'AltRight', 'ShiftLeft', 'ShiftRight', 'MetaLeft', 'MetaRight', 'OSLeft', 'OSRight']);

/** The shortcut a key press spells, or null while only modifiers are down. Uses the key's
 * position (`code`), so the shortcut is the same whatever the keyboard layout. */
export function acceleratorOf(event: Pick<KeyboardEvent, 'code' | 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'>): string | null {
  if (!event.code || MODIFIER_CODES.has(event.code)) return null;
  const mods = [event.ctrlKey && 'Ctrl', event.altKey && 'Alt', event.shiftKey && 'Shift', event.metaKey && 'Super'].filter(
    (m): m is string => typeof m === 'string',
  );
  const key = event.code.replace(/^Key(?=[A-Z]$)/, '').replace(/^Digit(?=\d$)/, '');
  return [...mods, key].join('+');
}
