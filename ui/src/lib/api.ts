// The one interface the UI talks to. Two transports implement it (src/ipc/): the desktop app's
// Tauri bridge to the agent, and the browser portal's HTTP API. Views never import either.
import { setLanguage, t } from '../i18n/index.svelte';
import type {
  Brand,
  BrandSettings,
  LogoUploaded,
  QueueCounts,
  SignUpRequest,
  Action,
  AssistantAsk,
  AssistantHandOver,
  AssistantModel,
  AssistantModelInput,
  AssistantStart,
  AssistantTurn,
  ApprovalDecision,
  Catalog,
  ActionKind,
  AgentStatus,
  ApiError,
  Article,
  ArticleInput,
  ArticleSummary,
  MyPortal,
  PortalSettings,
  PortalAddress,
  Redaction,
  Attachment,
  AuditEntry,
  AuditQuery,
  Device,
  DevicesChanged,
  DeviceSelection,
  EnrolmentKey,
  Org,
  IdentityProvider,
  OrgDetail,
  ViewConsent,
  ViewTicket,
  IdentityProviderInput,
  OrgCreated,
  OrgInput,
  SearchResults,
  SecondFactor,
  SoftwareCatalog,
  AuthenticatorSetup,
  FactorKind,
  ActionListQuery,
  SystemInfo,
  UserDetail,
  UserInput,
  VerificationSent,
  VerifyCodeResult,
  Draft,
  Comment,
  CcEntry,
  ErrorCode,
  HotkeyStatus,
  Release,
  RolloutChange,
  AppSetting,
  Language,
  NewAttachment,
  LocalAction,
  LocalTicket,
  OutboxItem,
  Page,
  Ticket,
  TicketChange,
  TicketListQuery,
  TicketUpdate,
  TicketFields,
  TicketForm,
  User,
  Chat,
  ChatDesk,
  ChatListQuery,
  ChatMessage,
  Duty,
} from '../bindings';

/** Where the browser portal remembers the reader's language between visits. */
export const LANGUAGE_KEY = 'bellhop.language';

/** A failure with the server's (or agent's) error code and a message for a person. */
export class ApiFailure extends Error {
  readonly code: ErrorCode;
  /** What the server or agent said, when `message` says it in the reader's words instead. */
  readonly detail: string;
  constructor(error: ApiError, detail: string = error.message) {
    super(error.message);
    this.code = error.code;
    this.detail = detail;
  }
}

export interface NewTicketInput extends TicketForm {
  /** Files to upload with it (browser). */
  files?: File[];
  /** Areas of the hotkey's screenshot to black out before it is stored (desktop). */
  redactions?: Redaction[];
}

/** The form's words and fields alone (no files or redactions), as drafts keep them. */
export function ticketForm(input: NewTicketInput): TicketForm {
  const { title, description, ticket_type, custom_fields, catalog_item } = input;
  return { title, description, ticket_type, custom_fields, catalog_item };
}

/** The desktop app: works offline through the agent's local store and outbox. */
export interface DesktopApi {
  readonly kind: 'desktop';
  status(): Promise<AgentStatus>;
  /** Queues a ticket; `withScreenshot` attaches the screenshot taken at the hotkey press, and the
   * draft `draftId` (the form's words kept as they were typed) goes in the same transaction. */
  queueTicket(input: NewTicketInput, withScreenshot: boolean, draftId?: string | null): Promise<OutboxItem>;
  /** The hotkey's screenshot as a data: URL, if one is waiting. */
  screenshot(): Promise<string | null>;
  dropScreenshot(): Promise<void>;
  outbox(): Promise<OutboxItem[]>;
  sendIdentityToken(input: IdentityInput): Promise<void>;
  confirmIdentity(email: string, token: string): Promise<User>;
  /**
   * Confirms the identity with the company account of `email`'s organisation, in the system
   * browser; resolves once the browser has come back. A refusal is `forbidden` with the reason's
   * code (a `CompanySignInError`) as its message.
   */
  confirmIdentityWithCompany(email: string): Promise<User>;
  syncNow(): Promise<void>;
  /** What the desk lets this user do, from the last sync (null before the first). */
  portal(): Promise<MyPortal | null>;
  /** The service catalog offered to this user, from the last sync (null before the first). */
  catalog(): Promise<Catalog | null>;
  /** The desk's brand as last heard (Bellhop's before the first answer): worn offline too. */
  brand(): Promise<Brand>;
  /** My tickets from the local cache, with those still waiting in the outbox first. */
  tickets(): Promise<LocalTicket[]>;
  /** A cached ticket with its conversation; opening it marks it read. */
  ticket(id: string): Promise<TicketChange>;
  /** Queues a reply in the outbox (works offline), naming files handed over with `stageFile`. */
  queueReply(id: string, body: string, files?: NewAttachment[]): Promise<OutboxItem>;
  /** Hands a picked file to the agent, which keeps it by hash until a reply names it. */
  stageFile(file: File): Promise<NewAttachment>;
  /** A cached ticket's file (fetched once from the server, then kept on the device). */
  attachment(ticketId: string, sha256: string): Promise<ArrayBuffer>;
  /** The knowledge base kept on the device (every word, as word prefixes). */
  articles(q: string): Promise<ArticleSummary[]>;
  article(id: string): Promise<Article>;
  /** Queues reopening a resolved or closed ticket (works offline). */
  queueReopen(id: string): Promise<OutboxItem>;
  saveDraft(id: string | null, form: TicketForm): Promise<Draft>;
  drafts(): Promise<Draft[]>;
  discardDraft(id: string): Promise<void>;
  /** Sends a draft: it becomes a queued ticket (with the files kept with it). */
  submitDraft(id: string): Promise<OutboxItem>;
  /** Stops keeping one file with a draft. */
  dropDraftFile(id: string, sha256: string): Promise<Draft>;
  /** A ticket the server refused becomes a draft (words, fields, files) to fix and send. */
  editRejected(seq: number): Promise<Draft>;
  /** Sends a refused item again as it is. */
  resendRejected(seq: number): Promise<OutboxItem>;
  discardRejected(seq: number): Promise<void>;
  /** Tells the shell this window has drawn its first frame (its start-up work may follow). */
  rendered(): Promise<void>;
  /** Closes this window (its web view is destroyed, not hidden). */
  closeWindow(): Promise<void>;
  /** Calls `listener` whenever the agent's status or tickets changed; returns the unsubscribe. */
  onChange(listener: () => void): Promise<() => void>;
  /** The app's language: the user's choice, else the OS's if Bellhop speaks it, else English. */
  language(): Promise<string>;
  /** Keeps the choice (tray menu and notifications follow; the server hears it on the next sync). */
  setLanguage(code: Language): Promise<void>;
  /** Whether Bellhop starts at login (on by default). */
  autostart(): Promise<boolean>;
  setAutostart(on: boolean): Promise<boolean>;
  /** Every setting and where it came from; the organisation's are locked. */
  appSettings(): Promise<AppSetting[]>;
  /** Whether the new-ticket window is kept ready (fast) rather than made on each press. */
  quickReady(): Promise<boolean>;
  setQuickReady(ready: boolean): Promise<boolean>;
  /** Calls `listener` each time the quick-ticket window is shown again for a new screenshot. */
  onQuickShown(listener: () => void): Promise<() => void>;
  /** The global new-ticket shortcut and whether it works. */
  hotkey(): Promise<HotkeyStatus>;
  /** Changes it; fails with `conflict` (the old one kept) when another program holds it. */
  setHotkey(accelerator: string): Promise<HotkeyStatus>;
  /** Calls `listener` when the language is changed elsewhere (the tray's Language menu). */
  onLanguage(listener: (code: string) => void): Promise<() => void>;
  /** The self-service actions counting down or running on this computer now. */
  actionsHere(): Promise<LocalAction[]>;
  /** Cancels a restart or shut down during its countdown; false when it is too late. */
  cancelActionHere(id: string): Promise<boolean>;
  /** Hears each move of an action on this computer. */
  onAction(listener: (action: LocalAction) => void): Promise<() => void>;
  // The Self-service page, asked of the server through the agent (online only).
  myDevices(): Promise<Device[]>;
  secondFactor(): Promise<SecondFactor>;
  remoteActions(): Promise<Action[]>;
  remoteAction(id: string): Promise<Action>;
  requestAction(deviceId: string, kind: ActionKind, factor?: FactorKind, software?: string): Promise<Action>;
  verifyAction(id: string, code: string): Promise<Action>;
  cancelAction(id: string): Promise<Action>;
  /** The approved software offered to the person. */
  software(): Promise<SoftwareCatalog>;
  /** Hears that one of the person's actions moved, on any of their computers. */
  onActionsHeard(listener: () => void): Promise<() => void>;
  // Chat with the desk, asked of the server through the agent (online only).
  chatDesk(): Promise<ChatDesk>;
  startChat(first?: string): Promise<Chat>;
  chats(): Promise<Chat[]>;
  chat(id: string): Promise<Chat>;
  chatMessages(id: string, after: number): Promise<ChatMessage[]>;
  sayInChat(id: string, messageId: string, body: string, files: NewAttachment[]): Promise<ChatMessage>;
  chatTyping(id: string): Promise<void>;
  endChat(id: string): Promise<Chat>;
  chatFile(id: string, sha256: string): Promise<ArrayBuffer>;
  /** The window steps aside and the screen is captured: a data: URL to show before sending. */
  takeChatScreenshot(): Promise<string>;
  /** The screenshot taken, with the `hidden` areas blacked out, as a message of its own. */
  sendChatScreenshot(id: string, messageId: string, hidden: Redaction[]): Promise<ChatMessage>;
  /** The screenshot taken is not sent. */
  dropChatScreenshot(): Promise<void>;
  /** Hears the live stream's chat news: a message or typing (`user_id` set), who is on duty,
   * or (`resync`) that something may have been missed. */
  onChat(listener: (event: LiveEvent) => void): Promise<() => void>;
  /** Asks the assistant (online); `onWords` hears the answer as it is written. */
  askAssistant(ask: AssistantAsk, onWords: (text: string) => void): Promise<AssistantTurn>;
  /** Hands the conversation to the desk, with the shortcut's screenshot when one is kept. */
  handOverToDesk(handOver: AssistantHandOver): Promise<Ticket>;
  /** What the shortcut handed the assistant: its screenshot (kept), the words typed in the quick
   * form and their draft (given once). */
  assistantStart(): Promise<AssistantStart>;
  /** The assistant's "Remove screenshot". */
  dropAssistantScreenshot(): Promise<void>;
  /** The quick form's "Ask the assistant": the words and the screenshot (its `hidden` areas
   * blacked out) go to the assistant in the portal window. */
  askAssistantInstead(question: string, withScreenshot: boolean, hidden: Redaction[], draftId: string | null): Promise<void>;
  /** Hears the shortcut starting the assistant again. */
  onAssistantStarted(listener: () => void): Promise<() => void>;
}

/** What the Self-service page needs: the server (browser) or the agent (desktop). */
export type SelfServiceApi = Pick<
  BrowserApi,
  | 'myDevices'
  | 'secondFactor'
  | 'actions'
  | 'action'
  | 'requestAction'
  | 'verifyAction'
  | 'cancelAction'
  | 'live'
  | 'software'
>;

export function desktopSelfService(api: DesktopApi): SelfServiceApi {
  return {
    myDevices: () => api.myDevices(),
    secondFactor: () => api.secondFactor(),
    actions: () => api.remoteActions(),
    action: (id) => api.remoteAction(id),
    requestAction: (deviceId, kind, factor, software) => api.requestAction(deviceId, kind, factor, software),
    software: () => api.software(),
    verifyAction: (id, code) => api.verifyAction(id, code),
    cancelAction: (id) => api.cancelAction(id),
    live(listener) {
      let stop: (() => void) | null = null;
      let stopped = false;
      api
        .onActionsHeard(() => listener({ kind: 'action', actionId: null }))
        .then((unlisten) => (stopped ? unlisten() : (stop = unlisten)))
        .catch(() => undefined);
      return () => {
        stopped = true;
        stop?.();
      };
    },
  };
}

/** The assistant in the desktop window, through the agent; a draft that kept the first
 * question's words goes once that question is answered. */
export function desktopAssistant(api: DesktopApi, draft: { id: string | null }): AssistantApi {
  return {
    ...desktopSelfService(api),
    async askAssistant(ask, onWords) {
      const answer = await api.askAssistant(ask, onWords);
      const kept = draft.id;
      if (kept) {
        draft.id = null;
        await api.discardDraft(kept).catch(() => undefined);
      }
      return answer;
    },
    handOverToDesk: (handOver) => api.handOverToDesk(handOver),
  };
}

export function desktopChat(api: DesktopApi): ChatApi {
  // The media types of the files last read, so pictures get the right type.
  const types = new Map<string, string>();
  return {
    chatDesk: () => api.chatDesk(),
    startChat: (message) => api.startChat(message),
    chats: () => api.chats(),
    chat: (id) => api.chat(id),
    async chatMessages(id, after) {
      const messages = await api.chatMessages(id, after);
      for (const m of messages) for (const f of m.files) types.set(f.sha256, f.media_type);
      return messages;
    },
    async sendChatMessage(id, messageId, body, files = []) {
      const staged = [];
      for (const file of files) staged.push(await api.stageFile(file));
      return api.sayInChat(id, messageId, body, staged);
    },
    chatTyping: (id) => api.chatTyping(id),
    endChat: (id) => api.endChat(id),
    async chatFileUrl(id, sha256) {
      const bytes = await api.chatFile(id, sha256);
      return URL.createObjectURL(new Blob([bytes], { type: types.get(sha256) ?? 'application/octet-stream' }));
    },
    screenshot: {
      take: () => api.takeChatScreenshot(),
      send: (chatId, messageId, hidden) => api.sendChatScreenshot(chatId, messageId, hidden),
      drop: () => api.dropChatScreenshot(),
    },
    live(listener) {
      let stop: (() => void) | null = null;
      let stopped = false;
      api
        .onChat(listener)
        .then((unlisten) => (stopped ? unlisten() : (stop = unlisten)))
        .catch(() => undefined);
      return () => {
        stopped = true;
        stop?.();
      };
    },
  };
}

/** Where the knowledge base is read from: the server (browser) or the device's copy (desktop). */
export type ArticleSource = Pick<BrowserApi, 'articles' | 'article'>;

/** A ticket and what the reader may see of its conversation. */
export interface Conversation {
  ticket: Ticket;
  comments: Comment[];
  attachments: Attachment[];
}

/** Where a ticket page reads from and replies to: the server (browser) or the agent (desktop). */
export interface ConversationSource {
  load(id: string): Promise<Conversation>;
  /** Sends or queues a reply (with files where `canAttach`); returns a message for the reader
   * when it is not sent yet. */
  reply(id: string, body: string, files?: File[]): Promise<string | null>;
  /** Whether replies can carry files here. */
  readonly canAttach: boolean;
  /** An object URL for an attachment's bytes, where they can be fetched. */
  fileUrl?(ticketId: string, sha256: string): Promise<string>;
  /** Who is copied, where the reader can see and change it (the browser portal). */
  cc?: {
    list(id: string): Promise<CcEntry[]>;
    add(id: string, email: string): Promise<CcEntry[]>;
    remove(id: string, userId: string): Promise<CcEntry[]>;
  };
  /** Reopens a resolved or closed ticket; returns a message when it is not done yet. */
  reopen(id: string): Promise<string | null>;
  /** A primary contact approves or declines a request waiting for them (the browser portal). */
  decide?(id: string, decision: ApprovalDecision): Promise<Ticket>;
}

export function desktopConversations(api: DesktopApi): ConversationSource {
  // The media types of the files last loaded, so previews get the right type.
  const types = new Map<string, string>();
  return {
    async load(id) {
      const change = await api.ticket(id);
      for (const a of change.attachments) types.set(a.sha256, a.media_type);
      return change;
    },
    canAttach: true,
    async reply(id, body, files = []) {
      const staged = [];
      for (const file of files) staged.push(await api.stageFile(file));
      await api.queueReply(id, body, staged);
      return t('desktop.reply_queued');
    },
    async fileUrl(ticketId, sha256) {
      const bytes = await api.attachment(ticketId, sha256);
      return URL.createObjectURL(new Blob([bytes], { type: types.get(sha256) ?? 'application/octet-stream' }));
    },
    async reopen(id) {
      await api.queueReopen(id);
      return t('desktop.reopen_queued');
    },
  };
}

export function browserConversations(api: BrowserApi): ConversationSource {
  return {
    async load(id) {
      const [ticket, comments, attachments] = await Promise.all([api.ticket(id), api.comments(id), api.attachments(id)]);
      return { ticket, comments, attachments };
    },
    canAttach: true,
    async reply(id, body, files = []) {
      const uploaded = await Promise.all(files.map((f) => api.upload(f)));
      await api.reply(id, body, uploaded);
      return null;
    },
    fileUrl: (ticketId, sha256) => api.attachmentUrl(ticketId, sha256),
    cc: { list: (id) => api.cc(id), add: (id, email) => api.addCc(id, email), remove: (id, userId) => api.removeCc(id, userId) },
    async reopen(id) {
      await api.updateTicket(id, { status: 'open' });
      return null;
    },
    decide: (id, decision) => api.decideApproval(id, decision),
  };
}

export interface IdentityInput {
  first_name: string;
  last_name: string;
  email: string;
}

/** The browser portal: signs in and talks to the server directly. */
export interface BrowserApi {
  readonly kind: 'browser';
  currentUser(): Promise<User | null>;
  signIn(email: string, password: string): Promise<User>;
  signOut(): Promise<void>;
  /** Emails a reset link (the answer is the same whether or not the address is known). */
  forgotPassword(email: string): Promise<void>;
  /** Asks to sign up; the same answer whoever the address belongs to. */
  signUp(request: SignUpRequest): Promise<void>;
  /** Where to send the browser to sign in with the company account of `email`'s organisation. */
  startCompanySignIn(email: string): Promise<string>;
  /** Trades the ticket from the identity provider's way back for a session. */
  finishCompanySignIn(ticket: string): Promise<User>;
  /** Trades a technician's look's ticket for its read-only session (this tab only). */
  finishView(ticket: string): Promise<User>;
  /** Whether the service desk may look at this portal, until when, and who looked. */
  viewConsent(): Promise<ViewConsent>;
  allowView(hours: number): Promise<ViewConsent>;
  withdrawView(): Promise<ViewConsent>;
  resetPassword(token: string, password: string): Promise<void>;
  /** What a home page counts: for staff the queue's (open, awaiting the customer, mine, nobody's);
   * for anyone else their own requests (open, awaiting their reply). */
  queueCounts(): Promise<QueueCounts>;
  listTickets(query: TicketListQuery): Promise<Page<Ticket>>;
  ticket(id: string): Promise<Ticket>;
  comments(id: string): Promise<Comment[]>;
  /** A public reply with files uploaded beforehand (`upload`). */
  reply(id: string, body: string, files?: NewAttachment[]): Promise<Ticket>;
  /** The files of a ticket the reader may see (an internal note's only for the desk). */
  attachments(id: string): Promise<Attachment[]>;
  /** An object URL for an attachment's bytes (the download needs the bearer token). */
  attachmentUrl(id: string, sha256: string): Promise<string>;
  /** Uploads a file by its SHA-256 (a repeat costs nothing) for a ticket or reply to name. */
  upload(file: File): Promise<NewAttachment>;
  /** Who is copied on a ticket; copying someone by email; stopping it. */
  cc(id: string): Promise<CcEntry[]>;
  addCc(id: string, email: string): Promise<CcEntry[]>;
  removeCc(id: string, userId: string): Promise<CcEntry[]>;
  updateTicket(id: string, update: TicketUpdate): Promise<Ticket>;
  createTicket(input: NewTicketInput): Promise<Ticket>;
  /** What the desk lets this user see and do (portal settings). */
  myPortal(): Promise<MyPortal>;
  /** The desk's brand (anyone, signed in or not). */
  brand(): Promise<Brand>;
  /** The service catalog offered to this user (all of it, for the desk). */
  catalog(): Promise<Catalog>;
  /** A primary contact's decision on a request of their organisation waiting for approval. */
  decideApproval(id: string, decision: ApprovalDecision): Promise<Ticket>;
  /** Keeps the signed-in user's language on the server (their emails follow it too). */
  setMyLanguage(language: Language): Promise<User>;
  /** The phone confirming self-service actions, and a number waiting for its SMS code. */
  secondFactor(): Promise<SecondFactor>;
  /** "Save and send code": texts a code to `phone` (international form). */
  sendPhoneCode(phone: string): Promise<SecondFactor>;
  /** The code from the SMS; a right one sets the phone up. */
  confirmPhone(code: string): Promise<VerifyCodeResult>;
  /** Removes the phone number: the second factor is reset. */
  removePhone(): Promise<void>;
  /** Starts setting up an authenticator app: its secret as a QR code and as text, shown once. */
  startAuthenticator(): Promise<AuthenticatorSetup>;
  /** The app's first code; a right one makes it the person's second factor. */
  confirmAuthenticator(code: string): Promise<VerifyCodeResult>;
  /** Removes the authenticator app. */
  removeAuthenticator(): Promise<void>;
  /** Ends every browser session and desktop credential of the signed-in person, this one too. */
  signOutEverywhere(): Promise<void>;
  /** The computers assigned to the signed-in person: where their self-service actions run. */
  /** The approved software: all of it with its sources for the desk, the entries offered to
   * them for anyone else. */
  software(): Promise<SoftwareCatalog>;
  myDevices(): Promise<Device[]>;
  /** Asks for an action on one of them, confirmed by a code of `factor` (by default the
   * person's authenticator app when they have one, else a code texted to their phone).
   * Installing and removing name the approved entry (`software`). */
  requestAction(deviceId: string, kind: ActionKind, factor?: FactorKind, software?: string): Promise<Action>;
  /** The texted code for this action: a right one signs it for the computer. */
  verifyAction(id: string, code: string): Promise<Action>;
  action(id: string): Promise<Action>;
  /** Stops an action the computer has not started. */
  cancelAction(id: string): Promise<Action>;
  /** The person's actions (the desk: everyone's, or one person's), newest first; of one device
   * if named. */
  actions(filter?: ActionListQuery): Promise<Action[]>;
  /** Follows live changes until the returned function is called. */
  live(listener: (event: LiveEvent) => void): () => void;
  /** Whether the desk answers chats now (someone on duty). */
  chatDesk(): Promise<ChatDesk>;
  /** Starts a chat (or answers the one open already), with its first message if written. */
  startChat(message?: string): Promise<Chat>;
  /** The reader's chats, newest first (the desk: anyone's, filtered). */
  chats(query?: ChatListQuery): Promise<Chat[]>;
  chat(id: string): Promise<Chat>;
  /** A chat's messages numbered after `after`. */
  chatMessages(id: string, after: number): Promise<ChatMessage[]>;
  /** Writes in a chat, with files uploaded first; `messageId` makes a retry the same message. */
  sendChatMessage(id: string, messageId: string, body: string, files?: File[]): Promise<ChatMessage>;
  /** Says the reader is typing. */
  chatTyping(id: string): Promise<void>;
  endChat(id: string): Promise<Chat>;
  /** An object URL for a file sent in a chat. */
  chatFileUrl(id: string, sha256: string): Promise<string>;
  articles(q: string): Promise<ArticleSummary[]>;
  /** An article; its body is HTML the server sanitised. */
  article(id: string): Promise<Article>;
  /** Asks the assistant, with the conversation so far; `onWords` hears the answer as it is
   * written. Resolves with the whole answer, sealed by the server, for the next question's
   * history. */
  askAssistant(ask: AssistantAsk, onWords: (text: string) => void, signal?: AbortSignal): Promise<AssistantTurn>;
  /** Hands the conversation to the desk: a ticket with its transcript and the actions taken
   * (the same `ticket_id` again is the same ticket). */
  handOverToDesk(handOver: AssistantHandOver): Promise<Ticket>;
}

/** The assistant's part of the interface, with the self-service it offers. */
export type AssistantApi = Pick<BrowserApi, 'askAssistant' | 'handOverToDesk'> & SelfServiceApi;

export type Api = DesktopApi | BrowserApi;

/** What the server's live event stream says: a ticket changed, a self-service action moved on
 * (`null`: any may have), or re-read everything. */
export type LiveEvent =
  | { kind: 'ticket'; ticketId: string }
  | { kind: 'action'; actionId: string | null }
  /** A chat has a new message, numbered `seq`. */
  | { kind: 'chat'; chatId: string; seq: number }
  /** Someone (not the reader) is typing in a chat. */
  | { kind: 'chat_typing'; chatId: string; userId: string }
  /** Who is on duty changed. */
  | { kind: 'duty' }
  | { kind: 'resync' };

/** The desktop's screenshot for a chat: taken in one click, shown so the person can black out
 * parts of it, then sent or dropped. */
export type ChatScreenshot = {
  take(): Promise<string>;
  send(chatId: string, messageId: string, hidden: Redaction[]): Promise<ChatMessage>;
  drop(): Promise<void>;
};

/** What a chat window needs: the server (browser) or the agent (desktop, which can also send a
 * screenshot of the screen). */
export type ChatApi = {
  screenshot?: ChatScreenshot;
} & Pick<
  BrowserApi,
  | 'chatDesk'
  | 'startChat'
  | 'chats'
  | 'chat'
  | 'chatMessages'
  | 'sendChatMessage'
  | 'chatTyping'
  | 'endChat'
  | 'chatFileUrl'
  | 'live'
>;

/** The technician console (browser only): the portal's calls plus the desk's own. */
/** A release as the console adds it: its rollout, and each file with its updater signature
 * (the `.sig` the bundler wrote beside it). */
export interface NewRelease {
  version: string;
  channel: 'stable' | 'beta';
  notes: string;
  percent: number;
  pause_after_failures: number;
  org_ids: string[];
  /** The app's updater public key: given, every signature must sign its file with it. */
  public_key: string;
  files: { platform: string; signature: string; file: File }[];
}

export interface ConsoleApi extends BrowserApi {
  /** Adds an internal note, never shown to end users. */
  note(id: string, body: string): Promise<Ticket>;
  assign(id: string, userId: string | null): Promise<Ticket>;
  /** The machine as it was when the ticket was opened (null: not sent from a device). */
  systemInfo(id: string): Promise<SystemInfo | null>;
  /** Technicians and admins: whom tickets can be assigned to. */
  staff(): Promise<User[]>;
  orgs(): Promise<Org[]>;
  createOrg(input: OrgInput): Promise<OrgCreated>;
  updateOrg(id: string, input: OrgInput): Promise<Org>;
  /** A new enrolment key for the organisation (shown once; the old one stops enrolling). */
  newEnrolmentKey(id: string): Promise<EnrolmentKey>;
  /** The organisation's identity provider, or null when it has none. */
  identityProvider(org: string): Promise<IdentityProvider | null>;
  setIdentityProvider(org: string, input: IdentityProviderInput): Promise<IdentityProvider>;
  removeIdentityProvider(org: string): Promise<void>;
  createUser(input: UserInput): Promise<User>;
  updateUser(id: string, input: UserInput): Promise<User>;
  /** Switches a person off (nothing of theirs signs in anywhere) or on again. */
  setUserDisabled(id: string, disabled: boolean): Promise<User>;
  /** Ends every browser session and desktop credential of a person. */
  signOutUser(id: string): Promise<void>;
  /** Mails the person again after a bounce: the suppression goes, the last message is resent. */
  unsuppressEmail(id: string): Promise<void>;
  /** Opens a read-only look at the person's portal (with their consent): its ticket. */
  openView(id: string): Promise<ViewTicket>;
  /** People by name or email (at most 200). */
  findPeople(q: string): Promise<User[]>;
  /** Opens a ticket for a person (a phone call, a chat): theirs, marked as opened for them. */
  openTicketFor(userId: string, title: string, description: string): Promise<Ticket>;
  /** Whether the reader is on duty, and who is. */
  duty(): Promise<Duty>;
  setDuty(on: boolean): Promise<Duty>;
  /** Takes a waiting chat. */
  takeChat(id: string): Promise<Chat>;
  /** Gives a chat to a colleague on duty. */
  handOverChat(id: string, technicianId: string): Promise<Chat>;
  /** Turns a chat into an incident for its person, with the transcript and files. */
  chatIncident(id: string, title?: string): Promise<Chat>;
  /** Resets a person's second factor (phone and authenticator app); they are told by email. */
  resetSecondFactor(id: string): Promise<void>;
  devices(orgId?: string): Promise<Device[]>;
  /** The people the desk knows, customers and staff, or one organisation's: at most 200, by name. */
  people(orgId?: string, q?: string): Promise<User[]>;
  /** An organisation as the desk sees it. */
  org(id: string): Promise<OrgDetail>;
  /** Gives a device to the person who uses it, or to nobody (`null`). */
  assignDevice(id: string, userId: string | null): Promise<Device>;
  setDevices(action: 'activate' | 'deactivate', selection: DeviceSelection): Promise<DevicesChanged>;
  search(q: string): Promise<SearchResults>;
  portalSettings(): Promise<PortalSettings>;
  /** The portal's address and whether it reaches this server, checked now. */
  portalAddress(): Promise<PortalAddress>;
  /** Replaces the service catalog (categories and items in order). */
  saveCatalog(catalog: Catalog): Promise<Catalog>;
  /** Replaces the approved software and its sources (admins). */
  saveSoftware(software: SoftwareCatalog): Promise<SoftwareCatalog>;
  /** Writes an article (a new one when `id` is null). */
  saveArticle(id: string | null, input: ArticleInput): Promise<Article>;
  deleteArticle(id: string): Promise<void>;
  savePortalSettings(settings: PortalSettings): Promise<PortalSettings>;
  /** Releases of the desktop app with how far each has gone (admins). */
  releases(): Promise<Release[]>;
  /** Adds a release with its signed files, uploaded (admins). */
  addRelease(release: NewRelease): Promise<Release>;
  /** Widens, narrows, pauses or resumes a release's rollout (admins). */
  changeRollout(id: string, change: RolloutChange): Promise<Release>;
  /** The desk's brand as an admin set it, and setting it (admins). */
  brandSettings(): Promise<BrandSettings>;
  saveBrand(input: BrandSettings): Promise<Brand>;
  /** Uploads a logo, a PNG or an SVG of at most 256 KiB (admins); its SHA-256 names it in a brand. */
  uploadLogo(file: File): Promise<LogoUploaded>;
  /** An organisation's own brand over the desk's (admins); empty where it wears the desk's. */
  orgBrand(org: string): Promise<BrandSettings>;
  /** Sets it (admins); one that sets nothing gives the organisation the desk's back. */
  saveOrgBrand(org: string, input: BrandSettings): Promise<Brand>;
  /** The assistant's model (admins); `null` while the built-in engine answers. */
  assistantModel(): Promise<AssistantModel | null>;
  /** Sets it (admins); `api_key` left out keeps the kept one, empty removes it. */
  saveAssistantModel(input: AssistantModelInput): Promise<AssistantModel>;
  /** Back to the built-in engine (admins). */
  clearAssistantModel(): Promise<void>;
  /** The desk's ticket types, custom fields and default fields' access. */
  ticketFields(): Promise<TicketFields>;
  saveTicketFields(fields: TicketFields): Promise<TicketFields>;
  user(id: string): Promise<UserDetail>;
  /** Emails the user a code to read back over the phone. */
  sendVerification(id: string): Promise<VerificationSent>;
  checkVerification(id: string, code: string): Promise<VerifyCodeResult>;
  audit(query: AuditQuery): Promise<Page<AuditEntry>>;
}

/** A signed-in reader's language is the one the server keeps for them; this browser remembers it
 * for the sign-in page. */
export function adoptLanguage(user: User): void {
  localStorage.setItem(LANGUAGE_KEY, setLanguage(user.language));
}

/** A language picked from the menu: remembered here, and kept by the server for a signed-in
 * reader (their mail follows it). Resolves to the updated user, or null when nobody is signed in. */
export async function keepLanguage(api: BrowserApi, user: User | null, code: Language): Promise<User | null> {
  localStorage.setItem(LANGUAGE_KEY, code);
  return user ? api.setMyLanguage(code) : null;
}
