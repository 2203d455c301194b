// The browser transport: the server's /api/v1 with a bearer token kept in localStorage.
import type { Comment, ErrorBody, LoginResponse, Page, Ticket, TicketListQuery, User } from '../bindings';
import { ApiFailure, type BrowserApi, type NewTicketInput } from '../lib/api';
import { newId } from '../lib/id';

const TOKEN_KEY = 'bellhop.token';

/** Turns a non-2xx response into an ApiFailure carrying the server's error body. */
export async function failureFrom(res: Response): Promise<ApiFailure> {
  try {
    const body = (await res.json()) as ErrorBody;
    if (body?.error?.code) return new ApiFailure(body.error);
  } catch {
    // Not our JSON error shape: describe the status instead.
  }
  return new ApiFailure({
    code: res.status >= 500 ? 'unavailable' : 'bad_request',
    message: `The server answered ${res.status} ${res.statusText}`.trim(),
  });
}

export function createHttpApi(base = '', storage: Storage = localStorage): BrowserApi {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = storage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiFailure({ code: 'unavailable', message: 'The service desk cannot be reached. Check your connection.' });
    }
    if (res.status === 204 || res.status === 202) return undefined as T;
    if (!res.ok) {
      const failure = await failureFrom(res);
      if (failure.code === 'unauthenticated') storage.removeItem(TOKEN_KEY);
      throw failure;
    }
    return (await res.json()) as T;
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
    resetPassword: (token, password) => call<void>('POST', '/auth/reset-password', { token, password }),
    listTickets(query: TicketListQuery) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
      const qs = params.toString();
      return call<Page<Ticket>>('GET', `/tickets${qs ? `?${qs}` : ''}`);
    },
    ticket: (id) => call<Ticket>('GET', `/tickets/${encodeURIComponent(id)}`),
    comments: (id) => call<Comment[]>('GET', `/tickets/${encodeURIComponent(id)}/comments`),
    reply: (id, body) => call<Ticket>('POST', `/tickets/${encodeURIComponent(id)}/comments`, { id: newId(), body }),
    updateTicket: (id, update) => call<Ticket>('PATCH', `/tickets/${encodeURIComponent(id)}`, update),
    createTicket: (input: NewTicketInput) =>
      call<Ticket>('POST', '/tickets', { id: newId(), title: input.title, description: input.description, source: 'portal' }),
  };
}
