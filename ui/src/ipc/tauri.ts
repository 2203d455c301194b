// The desktop transport: Tauri commands into the agent (src-tauri/src/commands.rs).
import { invoke } from '@tauri-apps/api/core';
import type { AgentStatus, ApiError, OutboxItem, User } from '../bindings';
import { ApiFailure, type DesktopApi, type IdentityInput, type NewTicketInput } from '../lib/api';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    const error = e as Partial<ApiError>;
    throw new ApiFailure({ code: error?.code ?? 'internal', message: error?.message ?? String(e) });
  }
}

export function createTauriApi(): DesktopApi {
  return {
    kind: 'desktop',
    status: () => call<AgentStatus>('get_status'),
    queueTicket: (input: NewTicketInput, withScreenshot: boolean) =>
      call<OutboxItem>('queue_ticket', { input: { ...input, with_screenshot: withScreenshot } }),
    screenshot: () => call<string | null>('get_screenshot'),
    dropScreenshot: () => call<void>('drop_screenshot'),
    outbox: () => call<OutboxItem[]>('list_outbox'),
    sendIdentityToken: (input: IdentityInput) => call<void>('send_identity_token', { input }),
    confirmIdentity: (email: string, token: string) => call<User>('confirm_identity', { email, token }),
    syncNow: () => call<void>('sync_now'),
  };
}

export function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
