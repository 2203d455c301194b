// Drafts in the browser portal: what a signed-in user typed and has not sent, kept in this
// browser (localStorage, per user) so a reload, a crash or a lost connection loses nothing. The
// desktop app keeps its drafts in the agent's store instead (same `Draft` shape).
import type { Draft, TicketForm } from '../bindings';
import { newId } from './id';

/** Most drafts kept per user; the oldest go first. */
const MAX_DRAFTS = 50;

export class BrowserDrafts {
  readonly #key: string;

  constructor(
    private readonly storage: Storage,
    userId: string,
  ) {
    this.#key = `bellhop.drafts.${userId}`;
  }

  /** Every draft, the most recently edited first. */
  list(): Draft[] {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.#key) ?? '[]');
      return Array.isArray(parsed) ? (parsed as Draft[]).sort((a, b) => b.updated_at.localeCompare(a.updated_at)) : [];
    } catch {
      return [];
    }
  }

  get(id: string): Draft | undefined {
    return this.list().find((d) => d.id === id);
  }

  /** Creates (`id` null) or overwrites a draft; returns it as kept. */
  save(id: string | null, form: TicketForm): Draft {
    // The browser keeps no files with a draft (they are uploaded when the ticket is sent).
    const draft: Draft = { ...form, id: id ?? newId(), attachments: [], updated_at: new Date().toISOString() };
    const rest = this.list().filter((d) => d.id !== draft.id);
    this.#write([draft, ...rest].slice(0, MAX_DRAFTS));
    return draft;
  }

  discard(id: string): void {
    this.#write(this.list().filter((d) => d.id !== id));
  }

  #write(drafts: Draft[]) {
    if (drafts.length === 0) this.storage.removeItem(this.#key);
    else this.storage.setItem(this.#key, JSON.stringify(drafts));
  }
}

/** Whether a form holds anything worth keeping. */
export function hasContent(form: TicketForm): boolean {
  return Boolean(form.title.trim() || form.description.trim() || form.ticket_type || Object.keys(form.custom_fields ?? {}).length);
}
