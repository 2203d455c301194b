// The browser transport: the server's /api/v1 with a bearer token kept in localStorage. The
// portal and the technician console share it; the console adds its own calls on top.
import { createParser } from 'eventsource-parser';
import type {
  Brand,
  BrandSettings,
  LogoUploaded,
  QueueCounts,
  Action,
  AssistantEvent,
  AssistantModel,
  Release,
  AssistantTurn,
  Catalog,
  ActionEvent,
  Chat,
  ChatDesk,
  ChatEvent,
  ChatMessage,
  Duty,
  Article,
  ArticleSummary,
  Attachment,
  AuditEntry,
  AuditQuery,
  CcEntry,
  Comment,
  Device,
  DevicesChanged,
  DeviceSelection,
  EnrolmentKey,
  ErrorBody,
  ErrorCode,
  LoginResponse,
  CompanySignInRedirect,
  ViewConsent,
  ViewTicket,
  IdentityProvider,
  OrgDetail,
  MyPortal,
  NewAttachment,
  Org,
  OrgCreated,
  Page,
  PortalSettings,
  PortalAddress,
  SearchResults,
  SecondFactor,
  SoftwareCatalog,
  AuthenticatorSetup,
  SystemInfo,
  Ticket,
  TicketEvent,
  TicketListQuery,
  User,
  UserDetail,
  VerificationSent,
  VerifyCodeResult,
  TicketFields,
} from '../bindings';
import { ApiFailure, type BrowserApi, type ConsoleApi, type LiveEvent, type NewTicketInput } from '../lib/api';
import { newId } from '../lib/id';
import { t } from '../i18n/index.svelte';
import { sha256 as sha256Of } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export const TOKEN_KEY = 'bellhop.token';

/** Failures whose code says it all: told in the reader's language (the server writes English;
 * its words stay in `detail`). A refused input (bad_request, conflict) keeps the server's reason,
 * which names what to fix; the forms check most of it before sending. */
type SaidByCode = Exclude<ErrorCode, 'bad_request' | 'conflict'>;
const saidByCode = (code: ErrorCode): code is SaidByCode => code !== 'bad_request' && code !== 'conflict';

/** Turns a non-2xx response into an ApiFailure carrying the server's error body. */
export async function failureFrom(res: Response): Promise<ApiFailure> {
  try {
    const body = (await res.json()) as ErrorBody;
    const error = body?.error;
    if (error?.code) {
      const code = error.code;
      return saidByCode(code) ? new ApiFailure({ code, message: t(`errors.${code}`) }, error.message) : new ApiFailure(error);
    }
  } catch {
    // Not our JSON error shape: describe the status instead.
  }
  const code: ErrorCode = res.status >= 500 ? 'unavailable' : 'bad_request';
  return new ApiFailure({ code, message: code === 'unavailable' ? t('errors.unavailable') : `${res.status} ${res.statusText}`.trim() });
}

/** Reads an answer streamed as `application/x-ndjson` (`AssistantEvent` lines): each `words`
 * to `onWords` as it arrives, then the `done` answer; a `failed` line, or a stream that ends
 * without `done`, is a failure. */
export async function readAnswer(res: Response, onWords: (text: string) => void): Promise<AssistantTurn> {
  const unfinished = () => new ApiFailure({ code: 'unavailable', message: t('assistant.failed') });
  if (!res.body) throw unfinished();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const take = (line: string): AssistantTurn | null => {
    if (!line.trim()) return null;
    const event = JSON.parse(line) as AssistantEvent;
    if (event.type === 'words') onWords(event.text);
    else if (event.type === 'failed') throw new ApiFailure(event.error.error);
    else return event.turn;
    return null;
  };
  for (;;) {
    let chunk: ReadableStreamReadResult<string>;
    try {
      chunk = await reader.read();
    } catch {
      throw unfinished();
    }
    if (chunk.done) break;
    buffered += chunk.value;
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const done = take(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (done) {
        await reader.cancel().catch(() => undefined);
        return done;
      }
    }
  }
  const last = take(buffered);
  if (last) return last;
  throw unfinished();
}

/** `?a=1&b=x` from the set values of a query object ('' when none is set). */
export function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}


/** Fetches `/api/v1${path}` with the stored bearer token; a 401 forgets the token. */
function httpClient(base: string, storage: Storage) {
  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {};
    const token = storage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    // Bytes go as they are (uploads), a form as multipart (the browser names its boundary);
    // anything else as JSON.
    const raw = body instanceof Uint8Array;
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? (body as Uint8Array<ArrayBuffer>) : form ? body : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiFailure({ code: 'unavailable', message: t('app.unreachable') });
    }
    if (!res.ok) {
      const failure = await failureFrom(res);
      if (failure.code === 'unauthenticated') storage.removeItem(TOKEN_KEY);
      throw failure;
    }
    return res;
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body);
    // 202 and 204 may come without a body.
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return { send, call };
}

export function createHttpApi(base = '', storage: Storage = localStorage): BrowserApi {
  const { send, call } = httpClient(base, storage);
  const ticketPath = (id: string) => `/tickets/${encodeURIComponent(id)}`;
  async function upload(file: File): Promise<NewAttachment> {
    // Hashed here, not with crypto.subtle: that needs a secure context, and a portal may be
    // reached over plain HTTP on a LAN.
    const bytes = new Uint8Array(await file.arrayBuffer());
    const sha256 = bytesToHex(sha256Of(bytes));
    await send('PUT', `/attachments/${sha256}`, bytes);
    return { sha256, file_name: file.name };
  }
  return {
    kind: 'browser',
    async currentUser() {
      if (!storage.getItem(TOKEN_KEY)) return null;
      try {
        return await call<User>('GET', '/me');
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'unauthenticated') return null;
        throw e;
      }
    },
    async signIn(email, password) {
      const res = await call<LoginResponse>('POST', '/auth/login', { email, password });
      storage.setItem(TOKEN_KEY, res.token);
      return res.user;
    },
    async signOut() {
      try {
        await call<void>('POST', '/auth/logout');
      } finally {
        storage.removeItem(TOKEN_KEY);
      }
    },
    forgotPassword: (email) => call<void>('POST', '/auth/forgot-password', { email }),
    signUp: (request) => call<void>('POST', '/auth/sign-up', request),
    async startCompanySignIn(email) {
      const res = await call<CompanySignInRedirect>('POST', '/auth/company/start', { email });
      return res.url;
    },
    async finishView(ticket) {
      const res = await call<LoginResponse>('POST', '/auth/view/finish', { ticket });
      storage.setItem(TOKEN_KEY, res.token);
      return res.user;
    },
    viewConsent: () => call<ViewConsent>('GET', '/me/view-consent'),
    allowView: (hours) => call<ViewConsent>('PUT', '/me/view-consent', { hours }),
    withdrawView: () => call<ViewConsent>('DELETE', '/me/view-consent'),
    async finishCompanySignIn(ticket) {
      const res = await call<LoginResponse>('POST', '/auth/company/finish', { ticket });
      storage.setItem(TOKEN_KEY, res.token);
      return res.user;
    },
    resetPassword: (token, password) => call<void>('POST', '/auth/reset-password', { token, password }),
    queueCounts: () => call<QueueCounts>('GET', '/tickets/counts'),
    listTickets: (query: TicketListQuery) => call<Page<Ticket>>('GET', `/tickets${queryString(query)}`),
    ticket: (id) => call<Ticket>('GET', `/tickets/${encodeURIComponent(id)}`),
    comments: (id) => call<Comment[]>('GET', `/tickets/${encodeURIComponent(id)}/comments`),
    reply: (id, body, files = []) =>
      call<Ticket>('POST', `${ticketPath(id)}/comments`, { id: newId(), body, attachments: files }),
    attachments: (id) => call<Attachment[]>('GET', `${ticketPath(id)}/attachments`),
    cc: (id) => call<CcEntry[]>('GET', `${ticketPath(id)}/cc`),
    addCc: (id, email) => call<CcEntry[]>('POST', `${ticketPath(id)}/cc`, { email }),
    removeCc: (id, userId) => call<CcEntry[]>('DELETE', `${ticketPath(id)}/cc/${encodeURIComponent(userId)}`),
    async attachmentUrl(id, sha256) {
      const res = await send('GET', `${ticketPath(id)}/attachments/${encodeURIComponent(sha256)}`);
      return URL.createObjectURL(await res.blob());
    },
    upload,
    updateTicket: (id, update) => call<Ticket>('PATCH', `/tickets/${encodeURIComponent(id)}`, update),
    myPortal: () => call<MyPortal>('GET', '/me/portal'),
    brand: () => call<Brand>('GET', '/brand'),
    catalog: () => call<Catalog>('GET', '/catalog'),
    decideApproval: (id, decision) => call<Ticket>('POST', `/tickets/${encodeURIComponent(id)}/approval`, decision),
    setMyLanguage: (language) => call<User>('PUT', '/me', { language }),
    secondFactor: () => call<SecondFactor>('GET', '/me/second-factor'),
    sendPhoneCode: (phone) => call<SecondFactor>('PUT', '/me/second-factor', { phone }),
    confirmPhone: (code) => call<VerifyCodeResult>('POST', '/me/second-factor/confirm', { code }),
    removePhone: () => call<void>('DELETE', '/me/second-factor'),
    startAuthenticator: () => call<AuthenticatorSetup>('POST', '/me/authenticator'),
    confirmAuthenticator: (code) => call<VerifyCodeResult>('POST', '/me/authenticator/confirm', { code }),
    removeAuthenticator: () => call<void>('DELETE', '/me/authenticator'),
    async signOutEverywhere() {
      try {
        await call<void>('POST', '/auth/sign-out-everywhere');
      } finally {
        storage.removeItem(TOKEN_KEY);
      }
    },
    articles: (q) => call<ArticleSummary[]>('GET', `/kb/articles${queryString({ q })}`),
    article: (id) => call<Article>('GET', `/kb/articles/${encodeURIComponent(id)}`),
    myDevices: () => call<Device[]>('GET', '/me/devices'),
    software: () => call<SoftwareCatalog>('GET', '/software'),
    requestAction: (deviceId, kind, factor, software) =>
      call<Action>('POST', '/actions', {
        id: newId(),
        device_id: deviceId,
        kind,
        ...(factor ? { factor } : {}),
        ...(software ? { software } : {}),
      }),
    verifyAction: (id, code) => call<Action>('POST', `/actions/${encodeURIComponent(id)}/verify`, { code }),
    action: (id) => call<Action>('GET', `/actions/${encodeURIComponent(id)}`),
    cancelAction: (id) => call<Action>('POST', `/actions/${encodeURIComponent(id)}/cancel`),
    actions: (filter = {}) => call<Action[]>('GET', `/actions${queryString(filter)}`),
    live: (listener) => followEvents(send, listener),
    async askAssistant(ask, onWords, signal) {
      return readAnswer(await send('POST', '/assistant/ask', ask, signal), onWords);
    },
    handOverToDesk: (handOver) => call<Ticket>('POST', '/assistant/hand-over', handOver),
    chatDesk: () => call<ChatDesk>('GET', '/chat-desk'),
    startChat: (message) =>
      call<Chat>('POST', '/chats', {
        id: newId(),
        ...(message?.trim() ? { message: { id: newId(), body: message } } : {}),
      }),
    chats: (query = {}) => call<Chat[]>('GET', `/chats${queryString(query)}`),
    chat: (id) => call<Chat>('GET', `/chats/${encodeURIComponent(id)}`),
    chatMessages: (id, after) => call<ChatMessage[]>('GET', `/chats/${encodeURIComponent(id)}/messages?after=${after}`),
    async sendChatMessage(id, messageId, body, files = []) {
      const uploaded = [];
      for (const file of files) uploaded.push(await upload(file));
      return call<ChatMessage>('POST', `/chats/${encodeURIComponent(id)}/messages`, { id: messageId, body, files: uploaded });
    },
    chatTyping: (id) => call<void>('POST', `/chats/${encodeURIComponent(id)}/typing`),
    endChat: (id) => call<Chat>('POST', `/chats/${encodeURIComponent(id)}/end`),
    async chatFileUrl(id, sha256) {
      const res = await send('GET', `/chats/${encodeURIComponent(id)}/files/${encodeURIComponent(sha256)}`);
      return URL.createObjectURL(await res.blob());
    },
    async createTicket(input: NewTicketInput) {
      const attachments = [];
      for (const file of input.files ?? []) attachments.push(await upload(file));
      return call<Ticket>('POST', '/tickets', {
        id: newId(),
        title: input.title,
        description: input.description,
        ticket_type: input.ticket_type,
        custom_fields: input.custom_fields ?? {},
        catalog_item: input.catalog_item,
        source: 'portal',
        attachments,
      });
    },
  };
}

/** The technician console: the portal's calls plus the desk's own. */
export function createConsoleApi(base = '', storage: Storage = localStorage): ConsoleApi {
  const { call } = httpClient(base, storage);
  const ticketPath = (id: string) => `/tickets/${encodeURIComponent(id)}`;
  return {
    ...createHttpApi(base, storage),
    note: (id, body) => call<Ticket>('POST', `${ticketPath(id)}/comments`, { id: newId(), body, visibility: 'internal' }),
    assign: (id, userId) => call<Ticket>('PUT', `${ticketPath(id)}/assignee`, { user_id: userId }),
    systemInfo: (id) => call<SystemInfo | null>('GET', `${ticketPath(id)}/system-info`),
    staff: () => call<User[]>('GET', '/users?staff=true'),
    orgs: () => call<Org[]>('GET', '/orgs'),
    createOrg: (input) => call<OrgCreated>('POST', '/orgs', input),
    updateOrg: (id, input) => call<Org>('PUT', `/orgs/${encodeURIComponent(id)}`, input),
    newEnrolmentKey: (id) => call<EnrolmentKey>('POST', `/orgs/${encodeURIComponent(id)}/enrolment-key`),
    async identityProvider(org) {
      try {
        return await call<IdentityProvider>('GET', `/orgs/${encodeURIComponent(org)}/identity-provider`);
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'not_found') return null;
        throw e;
      }
    },
    setIdentityProvider: (org, input) =>
      call<IdentityProvider>('PUT', `/orgs/${encodeURIComponent(org)}/identity-provider`, input),
    removeIdentityProvider: (org) => call<void>('DELETE', `/orgs/${encodeURIComponent(org)}/identity-provider`),
    createUser: (input) => call<User>('POST', '/users', input),
    updateUser: (id, input) => call<User>('PUT', `/users/${encodeURIComponent(id)}`, input),
    setUserDisabled: (id, disabled) =>
      call<User>('POST', `/users/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`),
    signOutUser: (id) => call<void>('POST', `/users/${encodeURIComponent(id)}/sign-out`),
    unsuppressEmail: (id) => call<void>('POST', `/users/${encodeURIComponent(id)}/email/unsuppress`),
    openView: (id) => call<ViewTicket>('POST', `/users/${encodeURIComponent(id)}/view`),
    findPeople: (q) => call<User[]>('GET', `/users${queryString({ q })}`),
    duty: () => call<Duty>('GET', '/duty'),
    setDuty: (on) => call<Duty>('PUT', '/duty', { on_duty: on }),
    takeChat: (id) => call<Chat>('POST', `/chats/${encodeURIComponent(id)}/take`),
    handOverChat: (id, technicianId) =>
      call<Chat>('POST', `/chats/${encodeURIComponent(id)}/hand-over`, { technician_id: technicianId }),
    chatIncident: (id, title) =>
      call<Chat>('POST', `/chats/${encodeURIComponent(id)}/incident`, title?.trim() ? { title } : {}),
    openTicketFor: (userId, title, description) =>
      call<Ticket>('POST', '/tickets', { id: newId(), title, description, requester_id: userId }),
    resetSecondFactor: (id) => call<void>('DELETE', `/users/${encodeURIComponent(id)}/second-factor`),
    devices: (orgId) => call<Device[]>('GET', `/devices${queryString({ org_id: orgId })}`),
    people: (orgId, q) => call<User[]>('GET', `/users${queryString({ org_id: orgId, q })}`),
    org: (id) => call<OrgDetail>('GET', `/orgs/${encodeURIComponent(id)}`),
    assignDevice: (id, userId) => call<Device>('PUT', `/devices/${id}/assignee`, { user_id: userId }),
    setDevices: (action, selection: DeviceSelection) => call<DevicesChanged>('POST', `/devices/${action}`, selection),
    search: (q) => call<SearchResults>('GET', `/search${queryString({ q })}`),
    portalSettings: () => call<PortalSettings>('GET', '/portal-settings'),
    portalAddress: () => call<PortalAddress>('GET', '/portal-settings/address'),
    saveArticle: (id, input) =>
      id === null
        ? call<Article>('POST', '/kb/articles', input)
        : call<Article>('PUT', `/kb/articles/${encodeURIComponent(id)}`, input),
    deleteArticle: (id) => call<void>('DELETE', `/kb/articles/${encodeURIComponent(id)}`),
    savePortalSettings: (settings) => call<PortalSettings>('PUT', '/portal-settings', settings),
    releases: () => call<Release[]>('GET', '/releases'),
    addRelease(release) {
      const form = new FormData();
      form.append('version', release.version);
      form.append('channel', release.channel);
      form.append('notes', release.notes);
      form.append('percent', String(release.percent));
      form.append('pause_after_failures', String(release.pause_after_failures));
      for (const org of release.org_ids) form.append('org', org);
      if (release.public_key.trim()) form.append('public_key', release.public_key.trim());
      // Each file after its platform and signature, as the server reads them.
      for (const file of release.files) {
        form.append('platform', file.platform);
        form.append('signature', file.signature);
        form.append('artifact', file.file, file.file.name);
      }
      return call<Release>('POST', '/releases', form);
    },
    changeRollout: (id, change) => call<Release>('PATCH', `/releases/${encodeURIComponent(id)}`, change),
    brandSettings: () => call<BrandSettings>('GET', '/brand/settings'),
    saveBrand: (input) => call<Brand>('PUT', '/brand/settings', input),
    uploadLogo: async (file) => call<LogoUploaded>('POST', '/brand/logos', new Uint8Array(await file.arrayBuffer())),
    orgBrand: (org) => call<BrandSettings>('GET', `/orgs/${encodeURIComponent(org)}/brand`),
    saveOrgBrand: (org, input) => call<Brand>('PUT', `/orgs/${encodeURIComponent(org)}/brand`, input),
    assistantModel: () => call<AssistantModel | null>('GET', '/assistant/model'),
    saveAssistantModel: (input) => call<AssistantModel>('PUT', '/assistant/model', input),
    clearAssistantModel: () => call<void>('DELETE', '/assistant/model'),
    saveCatalog: (catalog) => call<Catalog>('PUT', '/catalog', catalog),
    saveSoftware: (software) => call<SoftwareCatalog>('PUT', '/software', software),
    ticketFields: () => call<TicketFields>('GET', '/ticket-fields'),
    saveTicketFields: (fields) => call<TicketFields>('PUT', '/ticket-fields', fields),
    user: (id) => call<UserDetail>('GET', `/users/${encodeURIComponent(id)}`),
    sendVerification: (id) => call<VerificationSent>('POST', `/users/${encodeURIComponent(id)}/verification`),
    checkVerification: (id, code) =>
      call<VerifyCodeResult>('POST', `/users/${encodeURIComponent(id)}/verification/check`, { code }),
    audit: (query: AuditQuery) => call<Page<AuditEntry>>('GET', `/audit${queryString(query)}`),
  };
}

/**
 * Follows the server's live event stream (SSE over fetch, so the bearer token goes in a header),
 * reconnecting with growing pauses; a reconnect reports `resync` because events may have been
 * missed. Returns the function that stops it.
 */
function followEvents(
  send: (method: string, path: string, body?: unknown, signal?: AbortSignal) => Promise<Response>,
  listener: (event: LiveEvent) => void,
): () => void {
  const stop = new AbortController();
  let pause = 1000;
  const parser = createParser({
    onEvent(message) {
      if (message.event === 'ticket') {
        const event = JSON.parse(message.data) as TicketEvent;
        listener({ kind: 'ticket', ticketId: event.ticket_id });
      } else if (message.event === 'action') {
        const event = JSON.parse(message.data) as ActionEvent;
        listener({ kind: 'action', actionId: event.action_id ?? null });
      } else if (message.event === 'chat') {
        const event = JSON.parse(message.data) as ChatEvent;
        listener({ kind: 'chat', chatId: event.chat_id, seq: event.seq });
      } else if (message.event === 'chat_typing') {
        const event = JSON.parse(message.data) as ChatEvent;
        if (event.user_id) listener({ kind: 'chat_typing', chatId: event.chat_id, userId: event.user_id });
      } else if (message.event === 'duty') {
        listener({ kind: 'duty' });
      } else if (message.event === 'resync') {
        listener({ kind: 'resync' });
      }
    },
  });
  (async () => {
    let first = true;
    while (!stop.signal.aborted) {
      try {
        const res = await send('GET', '/events', undefined, stop.signal);
        if (!first) listener({ kind: 'resync' });
        first = false;
        pause = 1000;
        const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) break;
          parser.feed(chunk.value);
        }
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'unauthenticated') return;
      }
      parser.reset();
      if (stop.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 30_000);
    }
  })();
  return () => stop.abort();
}
