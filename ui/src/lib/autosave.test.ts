import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Draft, TicketForm } from '../bindings';
import { Autosave } from './autosave';

describe('autosave', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function recorder() {
    const saves: { id: string | null; form: TicketForm }[] = [];
    const save = async (id: string | null, form: TicketForm): Promise<Draft> => {
      saves.push({ id, form });
      return { ...form, id: id ?? 'draft-1', attachments: [], updated_at: '' };
    };
    return { saves, save };
  }

  it('keeps the last words after a pause, into one draft', async () => {
    const { saves, save } = recorder();
    const auto = new Autosave(save, 500);
    auto.edit({ title: 'P', description: '' });
    auto.edit({ title: 'Printer', description: '' });
    await vi.advanceTimersByTimeAsync(499);
    expect(saves).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    auto.edit({ title: 'Printer jams', description: 'tray 2' });
    await vi.advanceTimersByTimeAsync(500);
    expect(saves.map((s) => [s.id, s.form.title])).toEqual([
      [null, 'Printer'],
      ['draft-1', 'Printer jams'],
    ]);
    expect(auto.id).toBe('draft-1');
  });

  it('settles before sending: nothing is saved after, and the draft id is known', async () => {
    const { saves, save } = recorder();
    const auto = new Autosave(save, 500);
    auto.edit({ title: 'Printer', description: '' });
    await vi.advanceTimersByTimeAsync(500);
    auto.edit({ title: 'Printer jams', description: '' });
    expect(await auto.settle()).toBe('draft-1');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves).toHaveLength(1);
  });

  it('keeps the words typed last at once when they are about to go elsewhere', async () => {
    const { saves, save } = recorder();
    const auto = new Autosave(save, 500);
    auto.edit({ title: 'VPN drops', description: '' });
    expect(await auto.keepNow()).toBe('draft-1');
    expect(saves.map((s) => s.form.title)).toEqual(['VPN drops']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves).toHaveLength(1);
  });

  it('keeps nothing of an empty form and starts a new draft after a reset', async () => {
    const { saves, save } = recorder();
    const auto = new Autosave(save, 500);
    auto.edit({ title: '  ', description: '' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(saves).toEqual([]);
    auto.edit({ title: 'A', description: '' });
    await vi.advanceTimersByTimeAsync(500);
    auto.reset();
    expect(auto.id).toBeNull();
  });
});
