// The one interface the UI talks to. Two transports implement it (src/ipc/): the desktop app's
// Tauri bridge to the agent, and the browser portal's HTTP API. Views never import either.
import type {
  AgentStatus,
  ApiError,
  Comment,
  ErrorCode,
  OutboxItem,
  Page,
  Ticket,
  TicketListQuery,
  User,
} from '../bindings';

/** A failure with the server's (or agent's) error code and a message for a person. */
export class ApiFailure extends Error {
  readonly code: ErrorCode;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
  }
}

export interface NewTicketInput {
  title: string;
  description: string;
}

/** The desktop app: works offline through the agent's local store and outbox. */
export interface DesktopApi {
  readonly kind: 'desktop';
  status(): Promise<AgentStatus>;
  /** Queues a ticket; `withScreenshot` attaches the screenshot taken at the hotkey press. */
  queueTicket(input: NewTicketInput, withScreenshot: boolean): Promise<OutboxItem>;
  /** The hotkey's screenshot as a data: URL, if one is waiting. */
  screenshot(): Promise<string | null>;
  dropScreenshot(): Promise<void>;
  outbox(): Promise<OutboxItem[]>;
  sendIdentityToken(input: IdentityInput): Promise<void>;
  confirmIdentity(email: string, token: string): Promise<User>;
  syncNow(): Promise<void>;
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
  listTickets(query: TicketListQuery): Promise<Page<Ticket>>;
  ticket(id: string): Promise<Ticket>;
  comments(id: string): Promise<Comment[]>;
  reply(id: string, body: string): Promise<Ticket>;
  createTicket(input: NewTicketInput): Promise<Ticket>;
}

export type Api = DesktopApi | BrowserApi;
