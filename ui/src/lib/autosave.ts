// Keeps what is typed in the desktop's new-ticket form as a draft in the agent's store while it
// is typed, so a crash or a power cut loses at most the last moment. Saves are debounced and run
// one after another; `settle()` waits for the last before the form sends (which removes that
// draft in the same transaction as it queues the ticket), so no save can bring it back after.
import type { Draft, TicketForm } from '../bindings';
import { hasContent } from './drafts';

export class Autosave {
  #id: string | null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #latest: TicketForm | null = null;

  constructor(
    private readonly save: (id: string | null, form: TicketForm) => Promise<Draft>,
    private readonly delayMs = 600,
    id: string | null = null,
  ) {
    this.#id = id;
  }

  /** The draft the words are kept in, once one was saved. */
  get id(): string | null {
    return this.#id;
  }

  /** The form changed: keep it shortly (an empty form is not kept). */
  edit(form: TicketForm) {
    this.#latest = form;
    clearTimeout(this.#timer);
    if (!hasContent(form)) return;
    this.#timer = setTimeout(() => this.#flush(), this.delayMs);
  }

  #flush(): Promise<unknown> {
    clearTimeout(this.#timer);
    const form = this.#latest;
    this.#latest = null;
    if (form && hasContent(form)) {
      this.#chain = this.#chain
        .then(() => this.save(this.#id, form))
        .then((draft) => (this.#id = draft.id))
        .catch(() => undefined);
    }
    return this.#chain;
  }

  /** Keeps the words typed last now (not after the pause), waits for every save, and returns
   * the draft's id: the words are safe in it before they go elsewhere. */
  async keepNow(): Promise<string | null> {
    await this.#flush();
    return this.#id;
  }

  /** Stops keeping: waits for saves under way and returns the draft's id (for Send to remove). */
  async settle(): Promise<string | null> {
    clearTimeout(this.#timer);
    this.#latest = null;
    await this.#chain;
    return this.#id;
  }

  /** A fresh form: later words go to a new draft. */
  reset() {
    clearTimeout(this.#timer);
    this.#latest = null;
    this.#id = null;
  }
}
