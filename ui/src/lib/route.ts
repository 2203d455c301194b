// Hash routes, so the same bundle works from a file-less custom protocol and a plain web server.

import type { CompanySignInError } from '../bindings';

export type Route =
  | { name: 'tickets'; status?: HomeFilter }
  | { name: 'ticket'; id: string }
  /** The new-ticket form; with `draft`, that draft's text to edit and send. */
  | { name: 'new'; draft?: string }
  | { name: 'kb' }
  | { name: 'article'; id: string }
  | { name: 'outbox' }
  | { name: 'settings' }
  /** The browser portal's verification phone for self-service actions. */
  | { name: 'security' }
  /** The browser portal's self-service actions on the person's own computers. */
  | { name: 'self-service' }
  /** The assistant: a conversation answered from the knowledge base, handed over on request. */
  | { name: 'assistant' }
  /** Chat with the service desk: the open chat, or one chat's transcript. */
  | { name: 'chat'; id?: string }
  /** The service catalog; with `item`, that item's form. */
  | { name: 'catalog'; item?: string }
  /** The desktop app's own settings (language). */
  | { name: 'preferences' }
  | { name: 'forgot' }
  /** The sign-up form: a name and an email address. */
  | { name: 'sign-up' }
  /** The sign-in page; with `companyError`, why a company sign-in came back without a session. */
  | { name: 'login'; companyError?: CompanySignInError }
  /** Back from the company's identity provider: the ticket the portal trades for a session. */
  | { name: 'company-sign-in'; ticket: string }
  /** A technician's read-only look at a customer's portal, in a tab of its own: its ticket. */
  | { name: 'view-as'; ticket: string }
  | { name: 'reset'; token: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A catalog item's key, as the server allows it. */
const CATALOG_KEY = /^[a-z0-9_-]{1,40}$/;

/** Tokens we issue for password resets: a prefix and URL-safe base64. */
const RESET_TOKEN = /^bhr_[A-Za-z0-9_-]{16,128}$/;

/** Company sign-in tickets, the same way. */
const COMPANY_TICKET = /^bht_[A-Za-z0-9_-]{16,128}$/;

/** A look's ticket, the same way. */
const VIEW_TICKET = /^bhw_[A-Za-z0-9_-]{16,128}$/;

/** The reason a company sign-in failed, when `word` is one the server names. */
export function companySignInError(word: string | null): CompanySignInError | undefined {
  return COMPANY_ERRORS.find((e) => e === word);
}

const COMPANY_ERRORS: readonly CompanySignInError[] = [
  'refused',
  'expired',
  'invalid',
  'unverified_email',
  'wrong_tenant',
  'not_of_organisation',
  'no_access',
  'unreachable',
];

/** The lists a home page's counts open: the requests awaiting the person's reply, or open. */
export type HomeFilter = 'awaiting_reply' | 'open';

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'forgot-password') return { name: 'forgot' };
  if (parts[0] === 'sign-up') return { name: 'sign-up' };
  if (parts[0] === 'login') {
    const known = companySignInError(new URLSearchParams(query).get('company_error'));
    return known ? { name: 'login', companyError: known } : { name: 'login' };
  }
  if (parts[0] === 'view-as') {
    const ticket = new URLSearchParams(query).get('ticket') ?? '';
    return VIEW_TICKET.test(ticket) ? { name: 'view-as', ticket } : { name: 'tickets' };
  }
  if (parts[0] === 'company-sign-in') {
    const ticket = new URLSearchParams(query).get('ticket') ?? '';
    return COMPANY_TICKET.test(ticket) ? { name: 'company-sign-in', ticket } : { name: 'login', companyError: 'expired' };
  }
  if (parts[0] === 'reset-password') {
    const token = new URLSearchParams(query).get('token') ?? '';
    return RESET_TOKEN.test(token) ? { name: 'reset', token } : { name: 'forgot' };
  }
  if (parts[0] === 'tickets' && parts[1] && UUID.test(parts[1])) return { name: 'ticket', id: parts[1] };
  if (parts[0] === 'new') {
    const draft = new URLSearchParams(query).get('draft') ?? '';
    return UUID.test(draft) ? { name: 'new', draft } : { name: 'new' };
  }
  if (parts[0] === 'kb' && parts[1] && UUID.test(parts[1])) return { name: 'article', id: parts[1] };
  if (parts[0] === 'kb') return { name: 'kb' };
  if (parts[0] === 'outbox') return { name: 'outbox' };
  if (parts[0] === 'settings') return { name: 'settings' };
  if (parts[0] === 'security') return { name: 'security' };
  if (parts[0] === 'self-service') return { name: 'self-service' };
  if (parts[0] === 'assistant') return { name: 'assistant' };
  if (parts[0] === 'preferences') return { name: 'preferences' };
  if (parts[0] === 'chat' && parts[1] && UUID.test(parts[1])) return { name: 'chat', id: parts[1] };
  if (parts[0] === 'chat') return { name: 'chat' };
  if (parts[0] === 'catalog' && parts[1] && CATALOG_KEY.test(parts[1])) return { name: 'catalog', item: parts[1] };
  if (parts[0] === 'catalog') return { name: 'catalog' };
  if (parts[0] === 'tickets') {
    const status = new URLSearchParams(query).get('status');
    return status === 'awaiting_reply' || status === 'open' ? { name: 'tickets', status } : { name: 'tickets' };
  }
  return { name: 'tickets' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'ticket':
      return `#/tickets/${route.id}`;
    case 'tickets':
      return route.status ? `#/tickets?status=${route.status}` : '#/tickets';
    case 'article':
      return `#/kb/${route.id}`;
    case 'forgot':
      return '#/forgot-password';
    case 'sign-up':
      return '#/sign-up';
    case 'login':
      return route.companyError ? `#/login?company_error=${route.companyError}` : '#/login';
    case 'company-sign-in':
      return `#/company-sign-in?ticket=${encodeURIComponent(route.ticket)}`;
    case 'view-as':
      return `#/view-as?ticket=${encodeURIComponent(route.ticket)}`;
    case 'reset':
      return `#/reset-password?token=${encodeURIComponent(route.token)}`;
    case 'new':
      return route.draft ? `#/new?draft=${encodeURIComponent(route.draft)}` : '#/new';
    case 'chat':
      return route.id ? `#/chat/${route.id}` : '#/chat';
    case 'catalog':
      return route.item ? `#/catalog/${route.item}` : '#/catalog';
    default:
      return `#/${route.name}`;
  }
}

/** The queue's ready-made views, each what the navigation counts under that name. */
export type QueueView = 'unassigned' | 'mine' | 'urgent' | 'awaiting';
export const QUEUE_VIEWS: readonly QueueView[] = ['unassigned', 'mine', 'urgent', 'awaiting'];

/** The technician console's routes (`/console#/…`). */
export type ConsoleRoute =
  /** The queue; with `view`, one of its ready-made views instead of the filters last used. */
  | { name: 'queue'; view?: QueueView }
  | { name: 'ticket'; id: string }
  | { name: 'user'; id: string }
  | { name: 'new-user' }
  /** A ticket the desk opens for a person. */
  | { name: 'new-ticket' }
  /** Chats: the duty switch, the queue, mine; with `id`, that chat open. */
  | { name: 'chats'; id?: string }
  | { name: 'orgs' }
  /** One organisation's page. */
  | { name: 'org'; id: string }
  | { name: 'devices' }
  | { name: 'search'; q: string }
  | { name: 'audit' }
  | { name: 'settings' }
  | { name: 'fields' }
  | { name: 'catalog' }
  /** The approved software (admins). */
  | { name: 'software' }
  /** Releases of the desktop app and their rollouts (admins). */
  | { name: 'releases' }
  | { name: 'kb' }
  /** `id` null: a new article. */
  | { name: 'article'; id: string | null }
  | { name: 'forgot' };

export function parseConsoleRoute(hash: string): ConsoleRoute {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'tickets' && parts[1] && UUID.test(parts[1])) return { name: 'ticket', id: parts[1] };
  if (parts[0] === 'users' && parts[1] === 'new') return { name: 'new-user' };
  if (parts[0] === 'users' && parts[1] && UUID.test(parts[1])) return { name: 'user', id: parts[1] };
  if (parts[0] === 'tickets' && parts[1] === 'new') return { name: 'new-ticket' };
  if (parts[0] === 'chats' && parts[1] && UUID.test(parts[1])) return { name: 'chats', id: parts[1] };
  if (parts[0] === 'chats') return { name: 'chats' };
  if (parts[0] === 'orgs' && parts[1] && UUID.test(parts[1])) return { name: 'org', id: parts[1] };
  if (parts[0] === 'orgs') return { name: 'orgs' };
  if (parts[0] === 'devices') return { name: 'devices' };
  if (parts[0] === 'search') return { name: 'search', q: new URLSearchParams(query).get('q') ?? '' };
  if (parts[0] === 'audit') return { name: 'audit' };
  if (parts[0] === 'settings') return { name: 'settings' };
  if (parts[0] === 'fields') return { name: 'fields' };
  if (parts[0] === 'catalog') return { name: 'catalog' };
  if (parts[0] === 'software') return { name: 'software' };
  if (parts[0] === 'releases') return { name: 'releases' };
  if (parts[0] === 'kb' && parts[1] === 'new') return { name: 'article', id: null };
  if (parts[0] === 'kb' && parts[1] && UUID.test(parts[1])) return { name: 'article', id: parts[1] };
  if (parts[0] === 'kb') return { name: 'kb' };
  if (parts[0] === 'forgot-password') return { name: 'forgot' };
  const view = QUEUE_VIEWS.find((v) => v === parts[1]);
  if (parts[0] === 'queue' && view) return { name: 'queue', view };
  return { name: 'queue' };
}
