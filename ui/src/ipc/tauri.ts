// The desktop transport: Tauri commands into the agent (src-tauri/src/commands.rs).
import { Channel, invoke, type InvokeArgs, type InvokeOptions } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWindow } from '@tauri-apps/api/window';
import type {
  Action,
  SoftwareCatalog,
  Catalog,
  ActionKind,
  AgentStatus,
  ApiError,
  Article,
  ArticleSummary,
  Brand,
  AssistantAsk,
  AssistantHandOver,
  AssistantStart,
  AssistantTurn,
  Chat,
  ChatDesk,
  ChatEvent,
  ChatMessage,
  Device,
  Draft,
  FactorKind,
  HotkeyStatus,
  AppSetting,
  Language,
  LocalAction,
  LocalTicket,
  MyPortal,
  NewAttachment,
  Redaction,
  OutboxItem,
  SecondFactor,
  Ticket,
  TicketChange,
  TicketForm,
  User,
} from '../bindings';
import { ApiFailure, type DesktopApi, type IdentityInput, type LiveEvent, type NewTicketInput } from '../lib/api';

async function call<T>(command: string, args?: InvokeArgs, options?: InvokeOptions): Promise<T> {
  try {
    return await invoke<T>(command, args, options);
  } catch (e) {
    const error = e as Partial<ApiError>;
    throw new ApiFailure({ code: error?.code ?? 'internal', message: error?.message ?? String(e) });
  }
}

export function createTauriApi(): DesktopApi {
  return {
    kind: 'desktop',
    status: () => call<AgentStatus>('get_status'),
    queueTicket: (input: NewTicketInput, withScreenshot: boolean, draftId?: string | null) =>
      call<OutboxItem>('queue_ticket', {
        input: {
          title: input.title,
          description: input.description,
          ticket_type: input.ticket_type,
          custom_fields: input.custom_fields ?? {},
          catalog_item: input.catalog_item,
          with_screenshot: withScreenshot,
          redactions: input.redactions ?? [],
          draft_id: draftId ?? null,
        },
      }),
    screenshot: () => call<string | null>('get_screenshot'),
    dropScreenshot: () => call<void>('drop_screenshot'),
    outbox: () => call<OutboxItem[]>('list_outbox'),
    sendIdentityToken: (input: IdentityInput) => call<void>('send_identity_token', { input }),
    confirmIdentity: (email: string, token: string) => call<User>('confirm_identity', { email, token }),
    confirmIdentityWithCompany: (email: string) => call<User>('confirm_identity_with_company', { email }),
    syncNow: () => call<void>('sync_now'),
    tickets: () => call<LocalTicket[]>('list_tickets'),
    portal: () => call<MyPortal | null>('get_portal'),
    catalog: () => call<Catalog | null>('get_catalog'),
    brand: () => call<Brand>('get_brand'),
    ticket: (id: string) => call<TicketChange>('get_ticket', { id }),
    queueReply: (id: string, body: string, files: NewAttachment[] = []) => call<OutboxItem>('queue_reply', { id, body, files }),
    // The bytes go as the raw request body, not as a JSON array of numbers.
    stageFile: async (file: File) =>
      call<NewAttachment>('stage_file', new Uint8Array(await file.arrayBuffer()), {
        headers: { 'x-file-name': encodeURIComponent(file.name) },
      }),
    attachment: (ticketId: string, sha256: string) => call<ArrayBuffer>('get_attachment', { ticketId, sha256 }),
    articles: (q: string) => call<ArticleSummary[]>('search_articles', { q }),
    article: (id: string) => call<Article>('get_article', { id }),
    queueReopen: (id: string) => call<OutboxItem>('queue_reopen', { id }),
    saveDraft: (id: string | null, form: TicketForm) => call<Draft>('save_draft', { id, form }),
    drafts: () => call<Draft[]>('list_drafts'),
    discardDraft: (id: string) => call<void>('discard_draft', { id }),
    submitDraft: (id: string) => call<OutboxItem>('submit_draft', { id }),
    dropDraftFile: (id: string, sha256: string) => call<Draft>('drop_draft_file', { id, sha256 }),
    editRejected: (seq: number) => call<Draft>('edit_rejected', { seq }),
    resendRejected: (seq: number) => call<OutboxItem>('resend_rejected', { seq }),
    discardRejected: (seq: number) => call<void>('discard_rejected', { seq }),
    closeWindow: () => getCurrentWindow().close(),
    rendered: () => call<void>('window_rendered'),
    // Emitted by the sync loop after every pass (src-tauri/src/sync.rs).
    onChange: (listener: () => void) => listen('bellhop://changed', () => listener()),
    language: () => call<string>('get_language'),
    hotkey: () => call<HotkeyStatus>('get_hotkey'),
    autostart: () => call<boolean>('get_autostart'),
    setAutostart: (on: boolean) => call<boolean>('set_autostart', { on }),
    quickReady: () => call<boolean>('get_quick_ready'),
    appSettings: () => call<AppSetting[]>('get_app_settings'),
    setQuickReady: (ready: boolean) => call<boolean>('set_quick_ready', { ready }),
    // Emitted to the quick-ticket window each time the hotkey shows it (src-tauri/src/windows.rs).
    onQuickShown: (listener: () => void) => listen('bellhop://quick-shown', () => listener()),
    setHotkey: (accelerator: string) => call<HotkeyStatus>('set_hotkey', { accelerator }),
    setLanguage: (code: Language) => call<void>('set_language', { code }),
    // Emitted when the tray's Language menu changes it (src-tauri/src/tray.rs).
    onLanguage: (listener: (code: string) => void) => listen<string>('bellhop://language', (e) => listener(e.payload)),
    actionsHere: () => call<LocalAction[]>('list_actions_here'),
    cancelActionHere: (id: string) => call<boolean>('cancel_action_here', { id }),
    // Emitted by the shell as the agent runs an action (src-tauri/src/actions.rs).
    onAction: (listener: (action: LocalAction) => void) => listen<LocalAction>('bellhop://action', (e) => listener(e.payload)),
    myDevices: () => call<Device[]>('list_my_devices'),
    secondFactor: () => call<SecondFactor>('get_second_factor'),
    remoteActions: () => call<Action[]>('list_actions'),
    remoteAction: (id: string) => call<Action>('get_action', { id }),
    requestAction: (device: string, kind: ActionKind, factor?: FactorKind, software?: string) =>
      call<Action>('request_action', { device, kind, factor: factor ?? null, software: software ?? null }),
    software: () => call<SoftwareCatalog>('list_software'),
    verifyAction: (id: string, code: string) => call<Action>('verify_action', { id, code }),
    cancelAction: (id: string) => call<Action>('cancel_action', { id }),
    // Emitted by the shell when the server says one of the person's actions moved (src-tauri/src/actions.rs).
    onActionsHeard: (listener: () => void) => listen('bellhop://actions-heard', () => listener()),
    chatDesk: () => call<ChatDesk>('chat_desk'),
    startChat: (first?: string) => call<Chat>('start_chat', { first: first?.trim() ? first : null }),
    chats: () => call<Chat[]>('list_chats'),
    chat: (id: string) => call<Chat>('get_chat', { id }),
    chatMessages: (id: string, after: number) => call<ChatMessage[]>('chat_messages', { id, after }),
    sayInChat: (id: string, messageId: string, body: string, files: NewAttachment[]) =>
      call<ChatMessage>('say_in_chat', { id, messageId, body, files }),
    chatTyping: (id: string) => call<void>('chat_typing', { id }),
    endChat: (id: string) => call<Chat>('end_chat', { id }),
    chatFile: (id: string, sha256: string) => call<ArrayBuffer>('get_chat_file', { id, sha256 }),
    takeChatScreenshot: () => call<string>('take_chat_screenshot'),
    sendChatScreenshot: (id: string, messageId: string, hidden: Redaction[]) =>
      call<ChatMessage>('send_chat_screenshot', { id, messageId, hidden }),
    dropChatScreenshot: () => call<void>('drop_chat_screenshot'),
    askAssistant(ask: AssistantAsk, onWords: (text: string) => void) {
      const words = new Channel<string>();
      words.onmessage = onWords;
      return call<AssistantTurn>('ask_assistant', { ask, onWords: words });
    },
    handOverToDesk: (handOver: AssistantHandOver) => call<Ticket>('hand_over_to_desk', { handOver }),
    assistantStart: () => call<AssistantStart>('assistant_start'),
    dropAssistantScreenshot: () => call<void>('drop_assistant_screenshot'),
    askAssistantInstead: (question: string, withScreenshot: boolean, hidden: Redaction[], draftId: string | null) =>
      call<void>('ask_assistant_instead', { question, withScreenshot, hidden, draftId }),
    onAssistantStarted: (listener: () => void) => listen('bellhop://assistant-started', () => listener()),
    // Emitted by the shell from the agent's live stream (src-tauri/src/chat.rs).
    async onChat(listener: (event: LiveEvent) => void) {
      const stops = await Promise.all([
        listen<ChatEvent>('bellhop://chat', (e) =>
          listener(
            e.payload.user_id
              ? { kind: 'chat_typing', chatId: e.payload.chat_id, userId: e.payload.user_id }
              : { kind: 'chat', chatId: e.payload.chat_id, seq: e.payload.seq },
          ),
        ),
        listen('bellhop://duty', () => listener({ kind: 'duty' })),
        listen('bellhop://chat-resync', () => listener({ kind: 'resync' })),
      ]);
      return () => stops.forEach((stop) => stop());
    },
  };
}

export function insideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
